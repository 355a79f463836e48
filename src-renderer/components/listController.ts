/**
 * The state behind every back-office list (DataTable): its filters, the page shown, the rows and
 * total the core returned for them, and the columns the operator hid. Plain TypeScript (no React),
 * so the rules are tested without a browser:
 *  - a search applies the filter bar's values and goes back to page 1; a reset puts the list's own
 *    defaults back and goes to page 1; both ask the core again;
 *  - only the answer to the latest request is shown (a slow earlier answer is dropped); a failed
 *    load keeps the last good rows on screen and is handed to onError;
 *  - the hidden columns are remembered per list (localStorage key depotdesk.columns.<id>);
 *  - a list the core pages by cursor, without a total (the audit log: rows before an id), answers
 *    with the next page's cursor instead of a total: the controller keeps the cursor of every page
 *    it has seen, so 上一页 goes back to the same rows and 下一页 goes on from the last one; a
 *    search, a reset or a new page size forget them and start again from the newest.
 */

export const PAGE_SIZES = [20, 50, 100] as const;
export const DEFAULT_PAGE_SIZE = 20;

/** Where a cursor-paged list goes on from (the last row's id, as the core takes it). */
export type Cursor = string | number;

export interface PageQuery<F> {
  filters: F;
  page: number;
  pageSize: number;
  /** What the core's list methods take: pageSize rows after offset. */
  limit: number;
  offset: number;
  /** For a list paged by cursor: where this page starts (undefined on page 1). */
  cursor?: Cursor;
}

export interface PageResult<R> {
  rows: readonly R[];
  total: number;
}

/** A page of a list without a total: `next` is where the following page starts, null at the end. */
export interface CursorPageResult<R> {
  rows: readonly R[];
  next: Cursor | null;
}

export interface ListState<F, R> {
  filters: F;
  page: number;
  pageSize: number;
  rows: readonly R[];
  /** null for a list paged by cursor: it has no total, only whether there is a next page (more). */
  total: number | null;
  more: boolean;
  loading: boolean;
  /** True once a first answer came back: until then the empty state is not shown. */
  loaded: boolean;
  /** True when the filters differ from the list's defaults (the empty state then offers a reset). */
  filtered: boolean;
  hidden: readonly string[];
}

/** The part of localStorage the list uses; null where storage is unavailable (privacy settings). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export interface ListOptions<F, R> {
  /** Names the list in storage; stable across releases (e.g. 'payments.orders'). */
  id: string;
  defaults: F;
  pageSize?: number;
  load(query: PageQuery<F>): Promise<PageResult<R> | CursorPageResult<R>>;
  storage?: KeyValueStore | null;
  onError?(error: unknown): void;
}

export const columnsKey = (id: string) => `depotdesk.columns.${id}`;

/** Empty text and empty arrays are "no filter": the core gets undefined, not ''. */
export function cleanFilters<F extends object>(values: F): F {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) {
    const trimmed = typeof v === 'string' ? v.trim() : v;
    out[k] = trimmed === '' || trimmed === null || (Array.isArray(trimmed) && trimmed.length === 0) ? undefined : trimmed;
  }
  return out as F;
}

function sameFilters(a: object, b: object): boolean {
  const x = cleanFilters(a) as Record<string, unknown>;
  const y = cleanFilters(b) as Record<string, unknown>;
  const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
  return [...keys].every((k) => JSON.stringify(x[k]) === JSON.stringify(y[k]));
}

function readHidden(storage: KeyValueStore | null | undefined, id: string): string[] {
  try {
    const raw = storage?.getItem(columnsKey(id));
    const parsed: unknown = raw ? JSON.parse(raw) : [];
    return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    // A damaged or unreadable entry: every column shows, and the next change rewrites it.
    return [];
  }
}

export class ListController<F extends object, R> {
  private state: ListState<F, R>;
  private listeners = new Set<() => void>();
  private seq = 0;
  /** cursors[p - 1] is where page p starts; only for a list paged by cursor. */
  private cursors: (Cursor | undefined)[] = [undefined];
  private loader: ListOptions<F, R>['load'];

  constructor(private readonly opts: ListOptions<F, R>) {
    this.loader = opts.load;
    this.state = {
      filters: cleanFilters(opts.defaults),
      page: 1,
      pageSize: opts.pageSize ?? DEFAULT_PAGE_SIZE,
      rows: [],
      total: 0,
      more: false,
      loading: false,
      loaded: false,
      filtered: false,
      hidden: readHidden(opts.storage, opts.id),
    };
  }

  get defaults(): F {
    return this.opts.defaults;
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getState = (): ListState<F, R> => this.state;

  /** The page's latest loader (it closes over the page's own state). */
  setLoader(load: ListOptions<F, R>['load']): void {
    this.loader = load;
  }

  private set(patch: Partial<ListState<F, R>>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }

  /** Applies the filter bar's values (merged over the current ones) from page 1. */
  search(values: Partial<F>): Promise<void> {
    const filters = cleanFilters({ ...this.state.filters, ...values });
    this.cursors = [undefined];
    this.set({ filters, page: 1, filtered: !sameFilters(filters, this.opts.defaults) });
    return this.reload();
  }

  /** The list's defaults again, from page 1. */
  reset(): Promise<void> {
    this.cursors = [undefined];
    this.set({ filters: cleanFilters(this.opts.defaults), page: 1, filtered: false });
    return this.reload();
  }

  setPage(page: number, pageSize = this.state.pageSize): Promise<void> {
    if (pageSize !== this.state.pageSize) {
      // A new page size starts from page 1: the old page number means other rows (and cursors).
      this.cursors = [undefined];
      page = 1;
    }
    // A cursor list (its answers carry no total) reaches only the pages whose start it knows: at
    // most one past the last seen.
    else if (this.state.total === null) page = Math.max(1, Math.min(page, this.cursors.length));
    this.set({ page, pageSize });
    return this.reload();
  }

  async reload(): Promise<void> {
    const mine = ++this.seq;
    const { filters, page, pageSize } = this.state;
    this.set({ loading: true });
    try {
      const cursor = this.cursors[page - 1];
      const r = await this.loader({ filters, page, pageSize, limit: pageSize, offset: (page - 1) * pageSize, cursor });
      if (mine !== this.seq) return;
      if (!('total' in r)) return this.showCursorPage(r);
      // The page ran past the end (rows went away): show the last page that has rows.
      const last = Math.max(1, Math.ceil(r.total / pageSize));
      if (r.rows.length === 0 && page > last) {
        this.set({ page: last });
        return this.reload();
      }
      this.set({ rows: r.rows, total: r.total, more: page < last, loading: false, loaded: true });
    } catch (e) {
      if (mine !== this.seq) return;
      this.set({ loading: false });
      this.opts.onError?.(e);
    }
  }

  private showCursorPage(r: CursorPageResult<R>): Promise<void> | void {
    const { page } = this.state;
    // Nothing left where this page began (rows went away): back to the page before it.
    if (r.rows.length === 0 && page > 1) {
      this.cursors.length = page - 1;
      this.set({ page: page - 1 });
      return this.reload();
    }
    // The pages after this one start anew from its answer (new rows may have moved them).
    this.cursors.length = page;
    if (r.next !== null) this.cursors.push(r.next);
    this.set({ rows: r.rows, total: null, more: r.next !== null, loading: false, loaded: true });
  }

  setHidden(hidden: readonly string[]): void {
    this.set({ hidden: [...hidden] });
    try {
      this.opts.storage?.setItem(columnsKey(this.opts.id), JSON.stringify(hidden));
    } catch {
      // Storage full or refused: the choice holds for this screen only.
    }
  }
}

/**
 * One page of a list the core returns whole (short lists: unmatched payments, rules): the frame
 * pages it the same way, so every list looks and behaves alike.
 */
export function pageOf<R>(rows: readonly R[], query: Pick<PageQuery<unknown>, 'limit' | 'offset'>): PageResult<R> {
  return { rows: rows.slice(query.offset, query.offset + query.limit), total: rows.length };
}
