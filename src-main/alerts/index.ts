export { alerts, ALERT_LEVELS, type AlertLevel } from './schema';
export { raiseAlert, listAlerts, getAlert, acknowledgeAlert, openAlertCount, type Alert, type RaiseAlertInput } from './service';
export { alertMethods, alertShape } from './methods';
