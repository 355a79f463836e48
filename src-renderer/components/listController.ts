/**
 * The state behind every back-office list (DataTable): its filters, the page shown, the rows and
 * total the core returned for them, and the columns the operator hid. Plain TypeScript (no React),
 * so the rules are tested without a browser:
 *  - a search applies the filter bar's values and goes back to page 1; a reset puts the list's own
 *    defaults back and goes to page 1; both ask the core again;
 *  - only the answer to the latest request is shown (a slow earlier answer is dropped); a failed
 *    load keeps the last good rows on screen and is handed to onError;
 *  - the hidden columns are remembered per list (localStorage key depotdesk.columns.<id>).
 */

export const PAGE_SIZES = [20, 50, 100] as const;
export const DEFAULT_PAGE_SIZE = 20;

export interface PageQuery<F> {
  filters: F;
  page: number;
  pageSize: number;
  /** What the core's list methods take: pageSize rows after offset. */
  limit: number;
  offset: number;
}

export interface PageResult<R> {
  rows: readonly R[];
  total: number;
}

export interface ListState<F, R> {
  filters: F;
  page: number;
  pageSize: number;
  rows: readonly R[];
  total: number;
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
  load(query: PageQuery<F>): Promise<PageResult<R>>;
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
  private loader: ListOptions<F, R>['load'];

  constructor(private readonly opts: ListOptions<F, R>) {
    this.loader = opts.load;
    this.state = {
      filters: cleanFilters(opts.defaults),
      page: 1,
      pageSize: opts.pageSize ?? DEFAULT_PAGE_SIZE,
      rows: [],
      total: 0,
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
    this.set({ filters, page: 1, filtered: !sameFilters(filters, this.opts.defaults) });
    return this.reload();
  }

  /** The list's defaults again, from page 1. */
  reset(): Promise<void> {
    this.set({ filters: cleanFilters(this.opts.defaults), page: 1, filtered: false });
    return this.reload();
  }

  setPage(page: number, pageSize = this.state.pageSize): Promise<void> {
    // A new page size starts from page 1: the old page number means other rows.
    this.set({ page: pageSize === this.state.pageSize ? page : 1, pageSize });
    return this.reload();
  }

  async reload(): Promise<void> {
    const mine = ++this.seq;
    const { filters, page, pageSize } = this.state;
    this.set({ loading: true });
    try {
      const r = await this.loader({ filters, page, pageSize, limit: pageSize, offset: (page - 1) * pageSize });
      if (mine !== this.seq) return;
      // The page ran past the end (rows went away): show the last page that has rows.
      const last = Math.max(1, Math.ceil(r.total / pageSize));
      if (r.rows.length === 0 && page > last) {
        this.set({ page: last });
        return this.reload();
      }
      this.set({ rows: r.rows, total: r.total, loading: false, loaded: true });
    } catch (e) {
      if (mine !== this.seq) return;
      this.set({ loading: false });
      this.opts.onError?.(e);
    }
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
