/**
 * An OCPP ChargePointErrorCode in the operator's words (接地故障, not GroundFailure); a code OCPP 1.6
 * does not list (a vendor's) is shown as the charger sent it.
 */
export function errorName(maybe: (key: string) => string | undefined, code: string): string {
  return maybe(`ocpp.error.${code}`) ?? code;
}
