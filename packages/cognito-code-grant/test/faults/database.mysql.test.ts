import { databaseFaults } from './database.faults.ts';

databaseFaults('mysql', process.env['TEST_MYSQL_URL']);
