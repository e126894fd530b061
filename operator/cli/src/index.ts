export { startBaton, composeServices, type RunningBaton, type StartOptions } from './host/start.js';
export { seedDemo, readDemo, adminToken, graphJson, type DemoInfo } from './host/demo.js';
export { runFleet, type FleetResult } from './simulate/fleet.js';
export { arrangeFaultUsers, type FaultUsers } from './simulate/fault-users.js';
export { formatReport, deviceOutcomes } from './simulate/report.js';
export { collectRoutes } from './commands/routes.js';
export { readDiagnosis, readFleetSummary, type DiagnoseOptions } from './commands/diagnose.js';
export type { Diagnosis, Finding } from './diagnose/diagnosis.js';
export { mermaidDiagrams } from './diagnose/format.js';
