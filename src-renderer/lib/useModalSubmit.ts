import { useState } from 'react';
import type { FormInstance } from 'antd';
import { useI18n } from '../i18n';
import { applyFieldErrors, useReportError, wordError } from './errors';

/**
 * Where the core's complaints about named fields go when a submit fails:
 * - 'beside': under the field, and the notification shows as well;
 * - 'instead': under the field, and a notification only when no field took the complaint;
 * - 'ignore': the notification only (forms whose fields are not the core's input names).
 */
export type FieldErrorPlacement = 'beside' | 'instead' | 'ignore';

export interface ModalSubmitOptions<V, R> {
  /** When given, `submit()` without values validates it first; the core's field complaints land on it. */
  form?: FormInstance;
  /** The call to the core. */
  run(values: V): Promise<R>;
  /**
   * After the call succeeded: the caller's message, close and reload. It runs inside the same
   * guard as `run`, so a follow-up call that fails is reported like the submit itself.
   */
  onDone?(result: R, values: V): void | Promise<void>;
  /** A refusal the caller shows in place (an alert in the modal); return true when it did. */
  onError?(e: unknown): boolean;
  /** Default 'beside'. Without a form every failure is notified. */
  fieldErrors?: FieldErrorPlacement;
}

/**
 * Shows a failed submit exactly once: in the caller's own alert when `onError` takes it, else
 * under the fields the core named and/or as a notification, as `fieldErrors` says.
 */
export function showFailure(
  e: unknown,
  {
    form,
    onError,
    fieldErrors = 'beside',
    report,
    word,
  }: Pick<ModalSubmitOptions<never, never>, 'form' | 'onError' | 'fieldErrors'> & { report(e: unknown): void; word?(e: unknown): string },
): void {
  if (onError?.(e)) return;
  if (!form || fieldErrors === 'ignore') report(e);
  else if (fieldErrors === 'beside') {
    applyFieldErrors(form, e, word);
    report(e);
  } else if (!applyFieldErrors(form, e, word)) report(e);
}

/**
 * The renderer's one way for a modal (or a card's form) to submit to the core: validate, mark
 * the OK button busy, call, tell the operator, close and reload; on a failure keep the modal
 * open with the reason shown, and never leave the button spinning. Every failure reaches the
 * operator exactly once: in the caller's own alert (`onError`), under the field the core named,
 * or as a notification from useReportError.
 *
 * `submit(values)` is the Form's onFinish (antd has validated); `submit()` is for an OK button or
 * a form-less modal and validates `form` itself, leaving the field messages to antd when it fails.
 */
export function useModalSubmit<V, R>(options: ModalSubmitOptions<V, R>): { submitting: boolean; submit(values?: V): Promise<void> } {
  const report = useReportError();
  const i18n = useI18n();
  const word = (e: unknown) => wordError(i18n, e).detail;
  const [submitting, setSubmitting] = useState(false);
  const { form, run, onDone, onError, fieldErrors = 'beside' } = options;

  async function submit(given?: V): Promise<void> {
    let values = given as V;
    if (given === undefined && form) {
      try {
        values = (await form.validateFields()) as V;
      } catch {
        return; // antd shows what is missing beside each field
      }
    }
    setSubmitting(true);
    try {
      const result = await run(values);
      await onDone?.(result, values);
    } catch (e) {
      showFailure(e, { form, onError, fieldErrors, report, word });
    } finally {
      setSubmitting(false);
    }
  }

  return { submitting, submit };
}
