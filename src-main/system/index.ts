export { systemMethods, backupFileName } from './methods';
export { dashboardSummary, figureProviders, startOfBusinessDay, type Figure, type FigureProvider } from './dashboard';
export { runDoctor, doctorChecks, brokerCheck, type DoctorCheck, type DoctorOptions } from './doctor';
export { demoSteps, runDemo, type DemoStep } from './demo';
