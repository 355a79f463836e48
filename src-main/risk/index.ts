import { defineModule, tablesOf } from '../kernel/module';
import * as riskSchema from './schema';
import { riskMethods } from './methods';
import { riskEvaluateCron, riskEvaluateWorker } from './jobs';

/**
 * Risk control (风控): rules as data (rules.ts), the blacklist enforced at every door where a driver
 * starts or pays (blacklist.ts, through the ledger's driver block), chargers the rules put in
 * maintenance from their device health (chargers.ts), the review queue (reviews.ts) and debt
 * write-offs decided by a second person (writeoffs.ts); the evaluation job (evaluate.ts, jobs.ts).
 * Each module opens with its guarantees and names its tests; docs/risk.md lists the rules, their
 * defaults and what each decision does. Other domains import only from here.
 */
export * from './schema';
export { RULES, RULE_CODES, getRule, listRules, setRule, ruleHistory, type Rule, type RuleCode } from './rules';
export { addListing, liftListing, expireListings, listBlacklist, getListing, activeListing, type Listing } from './blacklist';
export { chargerHealth, chargerActions, returnToService, evaluateChargers, type ChargerHealth, type ChargerAction } from './chargers';
export { requestWriteOff, approveWriteOff, rejectWriteOff, listWriteOffs, getWriteOff, type WriteOffRequest } from './writeoffs';
export { reviews, approve as approveReview, reject as rejectReview } from './reviews';
export { evaluate, type Evaluation } from './evaluate';
export { riskMethods } from './methods';
export { riskEvaluateWorker, riskEvaluateCron, RISK_JOB_KIND } from './jobs';

declare module '../kernel/events' {
  interface DepotEventMap {
    /**
     * Something the risk screens show changed outside a risk.* command's own transaction: a
     * charger's answer to ChangeAvailability recorded after the decision was committed.
     */
    'risk.changed': { chargerId: string | null; reason: 'charger_told' };
  }
}

export const riskModule = defineModule({
  name: 'risk',
  methods: riskMethods,
  workers: [riskEvaluateWorker],
  crons: [riskEvaluateCron],
  tables: tablesOf(riskSchema),
});
