import { databaseFaults } from './database.faults.ts';

databaseFaults('postgres', process.env['TEST_POSTGRES_URL']);
