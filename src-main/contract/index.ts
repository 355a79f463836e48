export { method, ALL_ROLES, SUPERVISORS, FINANCE, ADMINS } from '../kernel/method';
export type { MethodDef, CallContext, Caller, OperatorIdentity, Transport, Access } from '../kernel/method';
export { dispatch } from './dispatch';
export { depot, methodNames, type Methods } from '../modules';
export { startHttpServer, type RunningHttpServer } from './http';
export { registerIpc, isTrustedSender, CALL_CHANNEL, EVENT_CHANNEL, APP_ORIGIN } from './ipc';
export type { IpcMainLike, WebContentsLike, IpcInvokeEventLike } from './ipc';
export type { CallResult, MethodName, MethodInput, MethodOutput, ApiClient } from './types';
