export { checkConfiguration, formatDoctorReport } from './doctor.ts';
export type {
  CognitoApiClient,
  DoctorFinding,
  DoctorOptions,
  DoctorReport,
  FindingStatus,
} from './types.ts';
