import { z } from 'zod';
import { ADMINS, ALL_ROLES, method } from '../kernel/method';
import { channelsOverview, testChannel } from './channels';
import { credentialsInput, removeCredentials, saveCredentials } from './credentials';
import { CREDENTIAL_PROVIDERS, PAYMENT_CHANNELS } from './schema';

/**
 * Payment channels over the contract: everyone at the counter may see whether a channel is
 * online; only an admin enters, removes or tests a merchant's credentials. The secrets travel in
 * the input's `secrets` object, which the audit log's summary blanks (operators/audit.ts), and
 * nothing secret ever comes back: the outputs carry the summary only.
 */

const credentialsSchema = z.object({
  channel: z.enum(PAYMENT_CHANNELS),
  provider: z.enum(CREDENTIAL_PROVIDERS),
  summary: z.record(z.string(), z.string()),
  version: z.number(),
  updatedAt: z.number(),
  updatedBy: z.string(),
  testedAt: z.number().nullable(),
  testOk: z.boolean().nullable(),
  testMessage: z.string().nullable(),
});

const healthSchema = z.object({
  online: z.boolean(),
  lastOkAt: z.number().nullable(),
  lastErrorAt: z.number().nullable(),
  lastError: z.string().nullable(),
  changedAt: z.number(),
});

const channelSchema = z.object({
  channel: z.enum(PAYMENT_CHANNELS),
  provider: z.enum(['simulated', 'wechat', 'alipay']),
  source: z.enum(['settings', 'config', 'simulated']),
  credentials: credentialsSchema.nullable(),
  health: healthSchema.nullable(),
});

export const credentialMethods = {
  'payments.channels': method({
    summary: 'The payment channels: the gateway behind each, the summary of its stored credentials and last test, and whether it answered lately.',
    kind: 'query',
    roles: ALL_ROLES,
    input: z.strictObject({}),
    output: z.array(channelSchema),
    handler: ({ app }) => channelsOverview(app),
  }),
  'payments.saveCredentials': method({
    summary:
      "Store a channel's merchant credentials (sealed under the depot's secrets key) as the next version; every key is checked first. A blank secret keeps the stored one.",
    kind: 'command',
    roles: ADMINS,
    input: credentialsInput,
    output: credentialsSchema,
    handler: ({ app, caller }, input) => saveCredentials(app, input, caller.operator!.displayName),
  }),
  'payments.removeCredentials': method({
    summary: "Forget a channel's stored credentials: it falls back to the config file's gateway, or the simulated one.",
    kind: 'command',
    roles: ADMINS,
    input: z.strictObject({ channel: z.enum(PAYMENT_CHANNELS), expectedVersion: z.number().int().min(1) }),
    output: z.object({ channel: z.enum(PAYMENT_CHANNELS) }),
    handler: ({ app }, input) => {
      removeCredentials(app, input.channel, input.expectedVersion);
      return { channel: input.channel };
    },
  }),
  'payments.testConnection': method({
    summary: "Make one harmless signed call to the channel's gateway with the stored credentials and record the outcome on them.",
    kind: 'command',
    roles: ADMINS,
    input: z.strictObject({ channel: z.enum(PAYMENT_CHANNELS) }),
    output: credentialsSchema,
    handler: ({ app }, input) => testChannel(app, input.channel),
  }),
};
