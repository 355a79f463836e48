import { useEffect, useState, useSyncExternalStore, type ReactNode } from 'react';
import { Button, Checkbox, Empty, Flex, Form, Popover, Select, Space, Table, Tooltip, Typography } from 'antd';
import type { FormInstance, TableColumnType, TableProps } from 'antd';
import { LeftOutlined, ReloadOutlined, RightOutlined, SettingOutlined } from '@ant-design/icons';
import { useI18n } from '../i18n';
import { useReportError } from '../lib/errors';
import { cleanFilters, ListController, PAGE_SIZES, type KeyValueStore, type ListOptions, type ListState } from './listController';

/**
 * The frame of every back-office list, in the ProTable manner over antd's Table (no extra
 * dependency: pro-components would bring its own form, layout and locale layers for the few parts
 * used here): a filter bar with 查询 and 重置, a toolbar with the page's own buttons, reload and
 * column settings, server-side pages with a page-size changer and "共 N 条", and an empty state
 * that says what to do. The state lives in a ListController (listController.ts, tested alone).
 * A list the core pages by cursor, without a total (the audit log), gets 上一页 / 第 N 页 / 下一页
 * instead of numbered pages: there is no count to number them by.
 */

export interface ListHandle<F extends object, R> {
  controller: ListController<F, R>;
  state: ListState<F, R>;
}

function browserStorage(): KeyValueStore | null {
  try {
    return typeof window !== 'undefined' ? window.localStorage : null;
  } catch {
    return null;
  }
}

/**
 * A list's state for a page: loads on mount and again whenever `deps` change (a push event's
 * version, a filter the page keeps outside the bar). Failures are reported once; the last good
 * rows stay.
 */
export function useList<F extends object, R>(
  opts: Omit<ListOptions<F, R>, 'storage' | 'onError'> & { storage?: KeyValueStore | null },
  deps: readonly unknown[] = [],
): ListHandle<F, R> {
  const report = useReportError();
  const [controller] = useState(() => new ListController<F, R>({ ...opts, storage: opts.storage === undefined ? browserStorage() : opts.storage, onError: report }));
  useEffect(() => controller.setLoader(opts.load));
  useEffect(() => {
    void controller.reload();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- deps are the caller's reload triggers
  }, deps);
  const state = useSyncExternalStore(controller.subscribe, controller.getState, controller.getState);
  return { controller, state };
}

/** A column of a DataTable: `key` names it in the column settings and in storage. */
export type DataColumn<R> = TableColumnType<R> & { key: string };

export interface DataTableProps<F extends object, R> {
  list: ListHandle<F, R>;
  columns: readonly DataColumn<R>[];
  rowKey: TableProps<R>['rowKey'];
  /** Form.Items named after the filter keys; non-text fields apply at once, text on Enter or 查询. */
  filters?: ReactNode;
  /** Filter keys typed as text (applied on Enter or 查询, not on every keystroke). */
  typed?: readonly (keyof F & string)[];
  /** The page's own buttons (export, run…), left of reload and column settings. */
  toolbar?: ReactNode;
  /**
   * What to do when the list is empty: with the default filters, and with filters set (a general
   * sentence if absent). `none` may carry a command to type (CommandText).
   */
  empty?: { none: ReactNode; filtered: string };
  testId?: string;
  /** The pager's total in the list's own words; "共 N 条" by default. */
  totalText?: (count: number) => string;
  table?: Omit<TableProps<R>, 'columns' | 'dataSource' | 'pagination' | 'loading' | 'rowKey'>;
}

export function DataTable<F extends object, R extends object>({
  list,
  columns,
  rowKey,
  filters,
  typed = [],
  toolbar,
  empty,
  testId,
  totalText,
  table,
}: DataTableProps<F, R>) {
  const { t } = useI18n();
  const { controller, state } = list;
  const shown = columns.filter((c) => !state.hidden.includes(c.key));
  const emptyText = empty ? (state.filtered ? empty.filtered : empty.none) : t('list.empty.default');
  return (
    <Flex vertical gap="small">
      {filters && <FilterBar list={list} typed={typed} testId={testId} fields={filters} />}
      <Flex justify="space-between" align="center" wrap gap="small">
        <Space wrap>{toolbar}</Space>
        <Space size={4}>
          <Tooltip title={t('list.reload')}>
            <Button
              type="text"
              icon={<ReloadOutlined />}
              aria-label={t('list.reload')}
              onClick={() => void controller.reload()}
              data-testid={testId && `${testId}-reload`}
            />
          </Tooltip>
          <ColumnSettings columns={columns} hidden={state.hidden} onChange={(h) => controller.setHidden(h)} testId={testId} />
        </Space>
      </Flex>
      <Table<R>
        {...table}
        data-testid={testId}
        size="small"
        rowKey={rowKey}
        columns={shown}
        dataSource={[...state.rows]}
        loading={state.loading}
        locale={{
          emptyText: state.loaded ? <EmptyState text={emptyText} onReset={state.filtered ? () => void controller.reset() : undefined} /> : ' ',
        }}
        pagination={
          state.total === null
            ? false
            : {
                current: state.page,
                pageSize: state.pageSize,
                total: state.total,
                showSizeChanger: true,
                pageSizeOptions: PAGE_SIZES.map(String),
                showTotal: (n) => (totalText ? totalText(n) : t('list.total', { count: n })),
                onChange: (page, size) => void controller.setPage(page, size),
              }
        }
      />
      {state.total === null && (state.page > 1 || state.more) && <CursorPager list={list} testId={testId} />}
    </Flex>
  );
}

/** The pager of a list without a total: back, the page number, on; and the page size. */
function CursorPager<F extends object, R>({ list, testId }: { list: ListHandle<F, R>; testId?: string }) {
  const { t } = useI18n();
  const { controller, state } = list;
  return (
    <Flex justify="flex-end" align="center" gap="small" data-testid={testId && `${testId}-pager`}>
      <Button
        size="small"
        icon={<LeftOutlined />}
        disabled={state.page <= 1 || state.loading}
        onClick={() => void controller.setPage(state.page - 1)}
        data-testid={testId && `${testId}-prev`}
      >
        {t('list.prevPage')}
      </Button>
      <Typography.Text type="secondary" data-testid={testId && `${testId}-page`}>
        {t('list.pageNumber', { page: state.page })}
      </Typography.Text>
      <Button size="small" disabled={!state.more || state.loading} onClick={() => void controller.setPage(state.page + 1)} data-testid={testId && `${testId}-next`}>
        {t('list.nextPage')}
        <RightOutlined />
      </Button>
      <Select<number>
        size="small"
        value={state.pageSize}
        style={{ width: 110 }}
        onChange={(size) => void controller.setPage(1, size)}
        options={PAGE_SIZES.map((n) => ({ value: n, label: t('list.perPage', { count: n }) }))}
      />
    </Flex>
  );
}

export function EmptyState({ text, onReset }: { text: ReactNode; onReset?: () => void }) {
  const { t } = useI18n();
  return (
    <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={<Typography.Text type="secondary">{text}</Typography.Text>}>
      {onReset && (
        <Button size="small" onClick={onReset} data-testid="list-empty-reset">
          {t('list.clearFilters')}
        </Button>
      )}
    </Empty>
  );
}

function FilterBar<F extends object, R>({ list, typed, testId, fields }: { list: ListHandle<F, R>; typed: readonly string[]; testId?: string; fields: ReactNode }) {
  const { t } = useI18n();
  const [form] = Form.useForm<F>();
  const { controller, state } = list;
  // A filter set from outside the bar (a count card, a link) shows in the bar too, so 查询 and the
  // next change keep it rather than quietly dropping it.
  useEffect(() => {
    const shown = cleanFilters(form.getFieldsValue(true) as F) as Record<string, unknown>;
    const applied = state.filters as Record<string, unknown>;
    for (const key of new Set([...Object.keys(shown), ...Object.keys(applied)])) {
      // A filter key is one field name; the form's typed path would not take a plain string.
      if (JSON.stringify(shown[key]) !== JSON.stringify(applied[key])) (form as FormInstance).setFieldValue(key, applied[key]);
    }
  }, [form, state.filters]);
  return (
    <Form<F>
      form={form}
      layout="inline"
      initialValues={controller.defaults as Parameters<typeof form.setFieldsValue>[0]}
      onValuesChange={(changed: Partial<F>, all: F) => {
        if (Object.keys(changed).some((k) => !typed.includes(k))) void controller.search(all);
      }}
      onFinish={(all: F) => void controller.search(all)}
      data-testid={testId && `${testId}-filters`}
      style={{ rowGap: 8 }}
    >
      {fields}
      <Form.Item>
        <Space>
          <Button type="primary" htmlType="submit" data-testid={testId && `${testId}-search`}>
            {t('list.search')}
          </Button>
          <Button
            onClick={() => {
              form.resetFields();
              void controller.reset();
            }}
            data-testid={testId && `${testId}-reset`}
          >
            {t('list.reset')}
          </Button>
        </Space>
      </Form.Item>
    </Form>
  );
}

/** Show or hide columns; a column without a title (the row's buttons) always shows. */
function ColumnSettings<R>({
  columns,
  hidden,
  onChange,
  testId,
}: {
  columns: readonly DataColumn<R>[];
  hidden: readonly string[];
  onChange(hidden: string[]): void;
  testId?: string;
}) {
  const { t } = useI18n();
  const named = columns.filter((c) => c.key !== 'actions' && typeof c.title === 'string' && c.title !== '');
  const content = (
    <Flex vertical gap={4} data-testid={testId && `${testId}-columns-panel`}>
      {named.map((c) => (
        <Checkbox
          key={c.key}
          checked={!hidden.includes(c.key)}
          onChange={(e) => onChange(e.target.checked ? hidden.filter((h) => h !== c.key) : [...hidden, c.key])}
          data-testid={testId && `${testId}-column-${c.key}`}
        >
          {c.title as string}
        </Checkbox>
      ))}
      <Button size="small" type="link" style={{ padding: 0, alignSelf: 'flex-start' }} disabled={hidden.length === 0} onClick={() => onChange([])}>
        {t('list.columns.showAll')}
      </Button>
    </Flex>
  );
  return (
    <Popover trigger="click" placement="bottomRight" title={t('list.columns')} content={content}>
      <Tooltip title={t('list.columns')}>
        <Button type="text" icon={<SettingOutlined />} aria-label={t('list.columns')} data-testid={testId && `${testId}-columns`} />
      </Tooltip>
    </Popover>
  );
}
