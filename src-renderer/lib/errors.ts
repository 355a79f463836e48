import { useCallback } from 'react';
import { App } from 'antd';
import type { FormInstance } from 'antd';
import { isApiError, NO_INSTANCE_TOKEN, UNREACHABLE, BAD_RESPONSE } from '../api';
import { useI18n } from '../i18n';

/**
 * Every failed call reaches the operator: a notification titled with what kind of failure it is
 * (localized by code) and the core's own message, which names the field or row at fault.
 */
export function useReportError(): (e: unknown) => void {
  const { notification } = App.useApp();
  const { t, maybe } = useI18n();
  return useCallback(
    (e: unknown) => {
      if (isApiError(e) && e.code === NO_INSTANCE_TOKEN) return; // the shell shows a full page for this
      let title: string;
      let description: string;
      if (isApiError(e)) {
        if (e.code === UNREACHABLE) {
          title = t('error.unreachable');
          description = t('error.unreachable.detail');
        } else if (e.code === BAD_RESPONSE) {
          title = t('error.bad_response', { status: String((e.details as { status?: number } | undefined)?.status ?? '?') });
          description = e.method;
        } else {
          title = maybe(`error.${e.code}`) ?? t('error.generic');
          description = e.message;
        }
      } else {
        title = t('error.generic');
        description = e instanceof Error ? e.message : String(e);
      }
      notification.error({ message: title, description, placement: 'topRight', duration: 8 });
    },
    [notification, t, maybe],
  );
}

interface Issue {
  field: string;
  message: string;
}

/** The offending fields an error names: zod issues for invalid_input, or a single `field`. */
export function fieldIssues(e: unknown): Issue[] {
  if (!isApiError(e) || typeof e.details !== 'object' || e.details === null) return [];
  const d = e.details as { issues?: unknown; field?: unknown };
  if (Array.isArray(d.issues)) {
    return d.issues.filter((i): i is Issue => typeof i === 'object' && i !== null && typeof i.field === 'string' && typeof i.message === 'string');
  }
  if (typeof d.field === 'string') return [{ field: d.field, message: e.message }];
  return [];
}

/**
 * Puts each issue next to its form field when the form has that field; returns whether any
 * landed, so callers still notify about the rest.
 */
export function applyFieldErrors(form: FormInstance, e: unknown): boolean {
  const present = new Set(Object.keys(form.getFieldsValue()));
  const byField = new Map<string, string[]>();
  for (const issue of fieldIssues(e)) {
    const top = issue.field.split('.')[0];
    if (!present.has(top)) continue;
    byField.set(top, [...(byField.get(top) ?? []), issue.message]);
  }
  form.setFields([...byField].map(([name, errors]) => ({ name, errors })));
  return byField.size > 0;
}
