import { defineModule, tablesOf } from '../kernel/module';
import * as alertsSchema from './schema';
import { alertMethods } from './methods';

export { alerts, ALERT_LEVELS, type AlertLevel } from './schema';
export {
  raiseAlert,
  resolveAlert,
  listAlerts,
  getAlert,
  acknowledgeAlert,
  openAlertCount,
  openAlertOf,
  SYSTEM_RESOLVER,
  type Alert,
  type AlertResolution,
  type ResolutionParams,
  type RaiseAlertInput,
  type AlertListQuery,
} from './service';
export {
  announceAlert,
  deliveryOf,
  inQuietHours,
  getDeliverySettings,
  setDeliverySettings,
  DEFAULT_DELIVERY,
  DELIVERY_LEVELS,
  type DeliveryLevel,
  type DeliveryRules,
  type DeliverySettings,
  type QuietHours,
  type RoleLevels,
} from './delivery';
export { alertMethods, alertShape } from './methods';

// ── the module: what this domain plugs into the depot (src-main/modules.ts composes them) ──────

export const alertsModule = defineModule({
  name: 'alerts',
  methods: alertMethods,
  tables: tablesOf(alertsSchema),
});
