/**
 * An OCPP ChargePointErrorCode in the operator's words (接地故障, not GroundFailure), also where the
 * core wrote it with the charger's own code after it ("GroundFailure (E-GF-01)" → 接地故障 (E-GF-01));
 * a code OCPP 1.6 does not list (a vendor's) is shown as the charger sent it.
 */
export function errorName(maybe: (key: string) => string | undefined, code: string): string {
  const m = /^(\w+)( \(.*\))?$/.exec(code);
  const words = m ? maybe(`ocpp.error.${m[1]}`) : undefined;
  return words ? `${words}${m?.[2] ?? ''}` : code;
}
