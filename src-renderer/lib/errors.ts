import { useCallback } from 'react';
import { App } from 'antd';
import type { FormInstance } from 'antd';
import { isApiError, NO_INSTANCE_TOKEN, UNREACHABLE, BAD_RESPONSE } from '../api';
import { useI18n, type I18n } from '../i18n';
import { formatFen } from './format';

type Params = Record<string, string | number>;
type Wording = Pick<I18n, 't' | 'maybe'>;

function addScalars(into: Params, from: Record<string, unknown>, prefix = ''): void {
  for (const [k, v] of Object.entries(from)) {
    const name = prefix ? `${prefix}${k[0].toUpperCase()}${k.slice(1)}` : k;
    if (typeof v === 'string') into[name] = v;
    else if (typeof v === 'number') {
      into[name] = v;
      // Money travels as integer fen (availableFen); the wording names it without the suffix.
      if (name.endsWith('Fen')) into[name.slice(0, -3)] = formatFen(v);
    }
  }
}

/**
 * The parameters an error's details carry: its scalars, and those of objects one level down both
 * by their own name and prefixed with the object's (limit.availableFen → available, limitAvailable;
 * then.drivers → thenDrivers). A name the details carry at the top wins.
 */
export function errorParams(details: unknown): Params {
  const params: Params = {};
  if (typeof details !== 'object' || details === null) return params;
  for (const [k, v] of Object.entries(details)) {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) continue;
    addScalars(params, v as Record<string, unknown>);
    addScalars(params, v as Record<string, unknown>, k);
  }
  addScalars(params, details as Record<string, unknown>);
  return params;
}

/**
 * An error in the operator's language: the title by its code (error.<code>), the detail by the
 * reason in its details (error.reason.<reason>) filled with the details' parameters. Only a
 * reason the dictionaries do not know falls back to the core's own (English) message.
 */
export function wordError(i18n: Wording, e: unknown): { title: string; detail: string } {
  const { t, maybe } = i18n;
  if (!isApiError(e)) return { title: t('error.generic'), detail: e instanceof Error ? e.message : String(e) };
  if (e.code === UNREACHABLE) return { title: t('error.unreachable'), detail: t('error.unreachable.detail') };
  if (e.code === BAD_RESPONSE) {
    return { title: t('error.bad_response', { status: String((e.details as { status?: number } | undefined)?.status ?? '?') }), detail: e.method };
  }
  const reason = (e.details as { reason?: unknown } | undefined)?.reason;
  const worded = typeof reason === 'string' ? maybe(`error.reason.${reason}`, errorParams(e.details)) : undefined;
  return { title: maybe(`error.${e.code}`) ?? t('error.generic'), detail: worded ?? e.message };
}

/**
 * Every failed call reaches the operator: a notification titled with what kind of failure it is
 * and what happened, both worded from the error's code and details (wordError).
 */
export function useReportError(): (e: unknown) => void {
  const { notification } = App.useApp();
  const { t, maybe } = useI18n();
  return useCallback(
    (e: unknown) => {
      if (isApiError(e) && e.code === NO_INSTANCE_TOKEN) return; // the shell shows a full page for this
      const { title, detail } = wordError({ t, maybe }, e);
      notification.error({ message: title, description: detail, placement: 'topRight', duration: 8 });
    },
    [notification, t, maybe],
  );
}

interface Issue {
  field: string;
  message: string;
}

/**
 * The offending fields an error names: zod issues for invalid_input, or a single `field` with
 * the error's message — worded by `word` (wordError's detail) when the caller has the i18n.
 */
export function fieldIssues(e: unknown, word?: (e: unknown) => string): Issue[] {
  if (!isApiError(e) || typeof e.details !== 'object' || e.details === null) return [];
  const d = e.details as { issues?: unknown; field?: unknown };
  if (Array.isArray(d.issues)) {
    return d.issues.filter((i): i is Issue => typeof i === 'object' && i !== null && typeof i.field === 'string' && typeof i.message === 'string');
  }
  if (typeof d.field === 'string') return [{ field: d.field, message: word ? word(e) : e.message }];
  return [];
}

/**
 * Puts each issue next to its form field when the form has that field; returns whether any
 * landed, so callers still notify about the rest.
 */
export function applyFieldErrors(form: FormInstance, e: unknown, word?: (e: unknown) => string): boolean {
  const present = new Set(Object.keys(form.getFieldsValue()));
  const byField = new Map<string, string[]>();
  for (const issue of fieldIssues(e, word)) {
    const top = issue.field.split('.')[0];
    if (!present.has(top)) continue;
    byField.set(top, [...(byField.get(top) ?? []), issue.message]);
  }
  form.setFields([...byField].map(([name, errors]) => ({ name, errors })));
  return byField.size > 0;
}
