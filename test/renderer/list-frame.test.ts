import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { Form, Input } from 'antd';
import { describe, expect, it } from 'vitest';
import { I18nProvider, wordingFor } from '../../src-renderer/i18n';
import { DataTable, type DataColumn } from '../../src-renderer/components/DataTable';
import { columnsKey, ListController, pageOf, type KeyValueStore, type PageQuery } from '../../src-renderer/components/listController';
import { StateTag } from '../../src-renderer/components/StateTag';
import { TONE_COLOR, toneOf, type Tone } from '../../src-renderer/components/tones';

/**
 * The shared list frame (components/DataTable.tsx over components/listController.ts): what the
 * core is asked for on search, reset and paging, the remembered column settings, and what the
 * frame shows (total, empty state, hidden columns) rendered with the real dictionaries.
 */

type Filters = { state?: string; search?: string };
type Row = { id: string; driver: string; amount: string };

function memoryStorage(): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

/** A loader over `rows` that records every query it was asked. */
function recorder(rows: Row[]) {
  const asked: PageQuery<Filters>[] = [];
  const load = (q: PageQuery<Filters>) => {
    asked.push(q);
    const matching = rows.filter((r) => !q.filters.search || r.driver.includes(q.filters.search));
    return Promise.resolve(pageOf(matching, q));
  };
  return { asked, load };
}

const ROWS: Row[] = Array.from({ length: 45 }, (_, i) => ({ id: `r${i}`, driver: i % 2 ? `张三${i}` : `李四${i}`, amount: `${i}.00` }));

const COLUMNS: DataColumn<Row>[] = [
  { key: 'id', title: '编号', dataIndex: 'id' },
  { key: 'driver', title: '司机', dataIndex: 'driver' },
  { key: 'amount', title: '金额', dataIndex: 'amount' },
];

function render(
  controller: ListController<Filters, Row>,
  empty = { none: '还没有退款任务：售后退款审批通过后会出现在这里', filtered: '没有符合条件的订单 — 清除筛选条件' },
) {
  const list = { controller, state: controller.getState() };
  const filters = createElement(Form.Item, { name: 'search' }, createElement(Input, { placeholder: '姓名' }));
  return renderToString(
    createElement(I18nProvider, null, createElement(DataTable<Filters, Row>, { list, columns: COLUMNS, rowKey: 'id', empty, testId: 'demo', filters })),
  );
}

describe('the list controller asks the core for what the filter bar and pager say', () => {
  it('search goes to page 1 with the filters; reset clears them and calls the loader with the defaults', async () => {
    const { asked, load } = recorder(ROWS);
    const c = new ListController<Filters, Row>({ id: 'demo', defaults: { state: 'pending' }, load, storage: null });
    await c.reload();
    expect(asked.at(-1)).toMatchObject({ filters: { state: 'pending' }, page: 1, limit: 20, offset: 0 });
    await c.setPage(3);
    expect(asked.at(-1)).toMatchObject({ page: 3, offset: 40 });
    expect(c.getState().rows).toHaveLength(5);

    await c.search({ state: 'failed', search: '  张三 ' });
    expect(asked.at(-1)).toMatchObject({ filters: { state: 'failed', search: '张三' }, page: 1, offset: 0 });
    expect(c.getState()).toMatchObject({ filtered: true, total: 22 });

    await c.reset();
    expect(asked.at(-1)).toEqual({ filters: { state: 'pending' }, page: 1, pageSize: 20, limit: 20, offset: 0 });
    expect(c.getState()).toMatchObject({ filtered: false, total: 45, page: 1 });
  });

  it('a new page size starts at page 1; emptied text is no filter; a page past the end falls back to the last', async () => {
    const { asked, load } = recorder(ROWS);
    const c = new ListController<Filters, Row>({ id: 'demo', defaults: {}, load, storage: null });
    await c.setPage(2);
    await c.setPage(2, 50);
    expect(asked.at(-1)).toMatchObject({ page: 1, pageSize: 50, limit: 50, offset: 0 });
    await c.search({ search: '' });
    expect(asked.at(-1)?.filters.search).toBeUndefined();
    expect(c.getState().filtered).toBe(false);
    await c.setPage(9, 50);
    await c.setPage(9);
    expect(c.getState()).toMatchObject({ page: 1, rows: expect.any(Array) });
    expect(c.getState().rows).toHaveLength(45);
  });

  it('only the latest answer is shown: a slow earlier one is dropped', async () => {
    let release: (v: { rows: Row[]; total: number }) => void = () => {};
    let first = true;
    const c = new ListController<Filters, Row>({
      id: 'demo',
      defaults: {},
      storage: null,
      load: (q) => {
        if (first) {
          first = false;
          return new Promise((resolve) => (release = resolve));
        }
        return Promise.resolve({ rows: [{ id: 'new', driver: q.filters.search ?? '', amount: '1' }], total: 1 });
      },
    });
    const slow = c.reload();
    await c.search({ search: '王五' });
    release({ rows: [{ id: 'old', driver: '', amount: '0' }], total: 1 });
    await slow;
    expect(c.getState().rows.map((r) => r.id)).toEqual(['new']);
  });
});

/** A loader in the manner of audit.list: newest first, the rows before an id, no total; one row more tells whether a next page exists. */
function beforeId(ids: number[]) {
  const asked: PageQuery<Filters>[] = [];
  const load = (q: PageQuery<Filters>) => {
    asked.push(q);
    const older = ids.filter((id) => q.cursor === undefined || id < Number(q.cursor)).slice(0, q.limit + 1);
    const rows = older.slice(0, q.limit).map((id) => ({ id: String(id), driver: '', amount: '' }));
    return Promise.resolve({ rows, next: older.length > q.limit ? Number(rows[rows.length - 1].id) : null });
  };
  return { asked, load };
}

describe('a list without a total goes back and forth by cursor', () => {
  const newestFirst = (n: number) => Array.from({ length: n }, (_, i) => n - i);

  it('下一页 goes on after the last row shown, 上一页 returns to the same rows, the last page has no next', async () => {
    const { asked, load } = beforeId(newestFirst(45));
    const c = new ListController<Filters, Row>({ id: 'audit', defaults: {}, load, storage: null });
    await c.reload();
    expect(asked.at(-1)?.cursor).toBeUndefined();
    expect(c.getState()).toMatchObject({ total: null, more: true, page: 1 });
    expect(
      c
        .getState()
        .rows.map((r) => r.id)
        .slice(0, 2),
    ).toEqual(['45', '44']);

    await c.setPage(2);
    expect(asked.at(-1)?.cursor).toBe(26);
    expect(c.getState().rows.map((r) => r.id)[0]).toBe('25');
    await c.setPage(3);
    expect(c.getState()).toMatchObject({ page: 3, more: false });
    expect(c.getState().rows.map((r) => r.id)).toEqual(['5', '4', '3', '2', '1']);

    await c.setPage(2);
    expect(asked.at(-1)?.cursor).toBe(26);
    expect(c.getState()).toMatchObject({ page: 2, more: true });
    expect(c.getState().rows.map((r) => r.id)[0]).toBe('25');
  });

  it('a page whose start is not known yet is not asked for: the furthest reachable is one past the last seen', async () => {
    const { asked, load } = beforeId(newestFirst(100));
    const c = new ListController<Filters, Row>({ id: 'audit', defaults: {}, load, storage: null });
    await c.reload();
    await c.setPage(4);
    expect(c.getState().page).toBe(2);
    expect(asked.at(-1)?.cursor).toBe(81);
  });

  it('a search, a reset or a new page size forget the cursors and start from the newest', async () => {
    const { asked, load } = beforeId(newestFirst(100));
    const c = new ListController<Filters, Row>({ id: 'audit', defaults: {}, load, storage: null });
    await c.reload();
    await c.setPage(2);
    await c.setPage(2, 50);
    expect(asked.at(-1)).toMatchObject({ page: 1, limit: 50, cursor: undefined });
    await c.setPage(2);
    expect(asked.at(-1)?.cursor).toBe(51);
    await c.search({ search: 'x' });
    expect(asked.at(-1)).toMatchObject({ page: 1, cursor: undefined });
    await c.setPage(2);
    await c.reset();
    expect(asked.at(-1)).toMatchObject({ page: 1, cursor: undefined });
    // Only page 2 is known again after the reset, not the old page 3.
    await c.setPage(3);
    expect(c.getState().page).toBe(2);
  });

  it('a page emptied under it (rows went away) goes back to the page before', async () => {
    let ids = newestFirst(30);
    const c = new ListController<Filters, Row>({
      id: 'audit',
      defaults: {},
      storage: null,
      load: (q) => beforeId(ids).load(q),
    });
    await c.reload();
    await c.setPage(2);
    expect(c.getState().rows).toHaveLength(10);
    ids = ids.filter((id) => id > 10);
    await c.reload();
    expect(c.getState()).toMatchObject({ page: 1, more: false });
    expect(c.getState().rows).toHaveLength(20);
  });

  it('shows 上一页 / 第 N 页 / 下一页 instead of a total', async () => {
    const { load } = beforeId(newestFirst(45));
    const c = new ListController<Filters, Row>({ id: 'audit', defaults: {}, load, storage: null });
    await c.reload();
    await c.setPage(2);
    const html = render(c);
    expect(html).not.toContain('共 ');
    expect(html).toContain('data-testid="demo-pager"');
    expect(html).toMatch(/data-testid="demo-prev".*上一页/s);
    expect(html).toContain('第 2 页');
    expect(html).toMatch(/data-testid="demo-next".*下一页/s);
    const nextButton = (h: string) => /<button[^>]*data-testid="demo-next"[^>]*>/.exec(h)?.[0] ?? '';
    expect(nextButton(html)).not.toBe('');
    expect(nextButton(html)).not.toContain('disabled');
    await c.setPage(3);
    expect(nextButton(render(c))).toContain('disabled');
    expect(wordingFor('en-US').t('list.pageNumber', { page: 3 })).toBe('Page 3');
  });
});

describe('column settings', () => {
  it('hiding a column takes it off the table and is remembered for that list only', async () => {
    const storage = memoryStorage();
    const { load } = recorder(ROWS);
    const c = new ListController<Filters, Row>({ id: 'payments.orders', defaults: {}, load, storage });
    await c.reload();
    expect(render(c)).toContain('司机');
    c.setHidden(['driver']);
    expect(storage.data.get(columnsKey('payments.orders'))).toBe('["driver"]');

    // The screen opened again (a new controller over the same storage): still hidden.
    const again = new ListController<Filters, Row>({ id: 'payments.orders', defaults: {}, load, storage });
    await again.reload();
    expect(again.getState().hidden).toEqual(['driver']);
    const html = render(again);
    expect(html).not.toContain('>司机<');
    expect(html).toContain('>金额<');
    expect(html).not.toContain('张三1<');
    // Another list keeps all its columns.
    expect(new ListController<Filters, Row>({ id: 'compensation.adjustments', defaults: {}, load, storage }).getState().hidden).toEqual([]);
    // A damaged entry shows every column rather than breaking the list.
    storage.setItem(columnsKey('broken'), '{not json');
    expect(new ListController<Filters, Row>({ id: 'broken', defaults: {}, load, storage }).getState().hidden).toEqual([]);
  });
});

describe('what the frame shows', () => {
  it('the total as 共 N 条, the toolbar buttons and the filter bar words, in zh-CN', async () => {
    const { load } = recorder(ROWS);
    const c = new ListController<Filters, Row>({ id: 'demo', defaults: {}, load, storage: null });
    await c.reload();
    const html = render(c);
    expect(html).toContain('共 45 条');
    expect(html).toContain('data-testid="demo-columns"');
    expect(html).toContain('data-testid="demo-reload"');
    expect(html).toMatch(/data-testid="demo-search".*查.*询/s);
    expect(html).toMatch(/data-testid="demo-reset".*重.*置/s);
    expect(wordingFor('en-US').t('list.total', { count: 45 })).toBe('45 in all');
  });

  it('an empty list says what to do: the list sentence with default filters, the filtered one (and a reset) otherwise', async () => {
    const { load } = recorder([]);
    const c = new ListController<Filters, Row>({ id: 'demo', defaults: {}, load, storage: null });
    await c.reload();
    let html = render(c);
    // antd's own picture keeps its <title>; the words under it are the list's.
    const description = (h: string) => /ant-empty-description">(.*?)<\/div>/.exec(h)?.[1] ?? '';
    expect(description(html)).toContain('还没有退款任务：售后退款审批通过后会出现在这里');
    expect(description(html)).not.toMatch(/暂无数据|No data/);
    await c.search({ state: 'failed' });
    html = render(c);
    expect(html).toContain('没有符合条件的订单 — 清除筛选条件');
    expect(html).toContain('data-testid="list-empty-reset"');
    expect(html).toContain('清除筛选条件');
    // A list that gave no sentence of its own still says what to do, not antd's 暂无数据.
    const plain = renderToString(
      createElement(I18nProvider, null, createElement(DataTable<Filters, Row>, { list: { controller: c, state: c.getState() }, columns: COLUMNS, rowKey: 'id' })),
    );
    expect(description(plain)).toContain('没有记录：调整筛选条件，或稍后刷新');
  });
});

describe('StateTag: one colour per meaning on every list', () => {
  it('success green, processing blue, warning gold, error red, default grey', () => {
    expect(TONE_COLOR).toEqual({ success: 'green', processing: 'blue', warning: 'gold', error: 'red', default: 'default' });
  });

  it('the common state words of the depot take their tone, whatever their case', () => {
    const tones: Record<string, Tone> = {
      completed: 'success',
      PAID: 'success',
      settled: 'success',
      running: 'processing',
      pending: 'processing',
      PENDING_PAYMENT: 'processing',
      waiting: 'warning',
      held: 'warning',
      needs_check: 'warning',
      review: 'warning',
      failed: 'error',
      debt: 'error',
      broken: 'error',
      cancelled: 'default',
      CANCELLED: 'default',
      closed: 'default',
      'something-new': 'default',
    };
    expect(Object.fromEntries(Object.keys(tones).map((w) => [w, toneOf(w)]))).toEqual(tones);
  });

  it('renders the tone colour and the text it is given', () => {
    const html = renderToString(createElement(StateTag, { tone: 'warning', testId: 'x', children: '等待重试' }));
    expect(html).toContain('ant-tag-gold');
    expect(html).toContain('等待重试');
    expect(renderToString(createElement(StateTag, { state: 'failed', children: '失败' }))).toContain('ant-tag-red');
  });
});
