import { defineModule } from '../kernel/module';
import type { FigureProvider } from '../kernel/plugins';
import { systemFigures } from './dashboard';
import { nightlyBackupCron, nightlyBackupWorker } from './jobs';
import { systemMethods } from './methods';
import { chainCheckpointCron, chainCheckpointWorker } from './checkpoints';
import { journalDoctorCheckDef } from './doctor';

export { systemMethods, backupFileName } from './methods';
export { dashboardSummary, startOfBusinessDay } from './dashboard';
export { runDoctor, brokerCheck, journalDoctorCheck } from './doctor';
export { runDemo } from './demo';
export { nightlyBackupWorker, nightlyBackupCron, rotateBackups } from './jobs';
export { latestCheckpoint, checkpointLine } from '../kernel/chain';
export { takeCheckpoint, backupWithCheckpoint, chainCheckpointWorker, chainCheckpointCron } from './checkpoints';
export type { Figure, FigureProvider, DoctorCheck, DoctorOptions, DemoStep } from '../kernel/plugins';

/**
 * The system module: about, the dashboard, backups, chain checkpoints and the journal's doctor check. It is composed last because the dashboard
 * shows every module's figures: `figures` is asked of the finished composition at call time.
 */
export function systemModule(figures: () => readonly FigureProvider[]) {
  return defineModule({
    name: 'system',
    methods: systemMethods(figures),
    workers: [nightlyBackupWorker, chainCheckpointWorker],
    crons: [nightlyBackupCron, chainCheckpointCron],
    figures: systemFigures,
    doctorChecks: [journalDoctorCheckDef],
  });
}
