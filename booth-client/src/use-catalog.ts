import { useCallback, useEffect, useRef, useState } from 'react';
import { errorKey, type MessageKey } from '@xiaowu/shared/i18n';
import { fetchCatalog, fetchMatter, searchCatalog, type CatalogOverview, type MatterDetail, type MatterSummary } from './catalog-api';

/** The catalog overview is fetched again when it is older than this and the booth returns to the start. */
const STALE_MS = 10 * 60_000;

export interface CatalogState {
  catalog?: CatalogOverview;
  loading: boolean;
  error?: MessageKey;
  /** Loads again (after an error, or when stale unless `onlyIfStale`). */
  reload(onlyIfStale?: boolean): void;
}

export function useCatalog(): CatalogState {
  const [state, setState] = useState<{ catalog?: CatalogOverview; loading: boolean; error?: MessageKey }>({ loading: true });
  const loadedAt = useRef(0);
  const ctl = useRef<AbortController | undefined>(undefined);

  const load = useCallback(() => {
    ctl.current?.abort();
    const c = new AbortController();
    ctl.current = c;
    setState((s) => ({ ...s, loading: true, error: undefined }));
    fetchCatalog(c.signal).then(
      (catalog) => {
        loadedAt.current = Date.now();
        setState({ catalog, loading: false });
      },
      (err) => {
        if (c.signal.aborted) return;
        console.error('catalog failed', err);
        setState((s) => ({ ...s, loading: false, error: errorKey(err) }));
      },
    );
  }, []);

  useEffect(() => {
    load();
    return () => ctl.current?.abort();
  }, [load]);

  const reload = useCallback(
    (onlyIfStale = false) => {
      if (!onlyIfStale || Date.now() - loadedAt.current > STALE_MS) load();
    },
    [load],
  );
  return { ...state, reload };
}

export interface SearchState {
  /** The query these results are for ('' = no search). */
  query: string;
  results?: MatterSummary[];
  searching: boolean;
  error?: MessageKey;
}

/** Search as the resident types (debounced); the server matches Chinese, keywords and pinyin initials. */
export function useSearch(query: string, delayMs = 250): SearchState {
  const q = query.trim();
  const [state, setState] = useState<SearchState>({ query: '', searching: false });
  useEffect(() => {
    if (!q) {
      setState({ query: '', searching: false });
      return;
    }
    setState((s) => ({ ...s, searching: true }));
    const c = new AbortController();
    const timer = setTimeout(() => {
      searchCatalog(q, c.signal).then(
        (results) => setState({ query: q, results, searching: false }),
        (err) => {
          if (!c.signal.aborted) setState({ query: q, searching: false, error: errorKey(err) });
        },
      );
    }, delayMs);
    return () => {
      clearTimeout(timer);
      c.abort();
    };
  }, [q, delayMs]);
  return state;
}

export interface MatterState {
  detail?: MatterDetail;
  loading: boolean;
  error?: MessageKey;
}

/** One matter with its one-time notice. */
export function useMatter(id: string): MatterState {
  const [state, setState] = useState<MatterState>({ loading: true });
  useEffect(() => {
    const c = new AbortController();
    setState({ loading: true });
    fetchMatter(id, c.signal).then(
      (detail) => setState({ detail, loading: false }),
      (err) => {
        if (c.signal.aborted) return;
        console.error('matter failed', err);
        setState({ loading: false, error: errorKey(err) });
      },
    );
    return () => c.abort();
  }, [id]);
  return state;
}
