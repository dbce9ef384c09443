/**
 * The service catalog as the booth reads it from the sfu's REST API
 * (GET /api/catalog, /api/catalog/search?q=, /api/catalog/matters/:id).
 * Only types come from the shared catalog module, so the seed is not bundled.
 */
import { apiRequest } from '@xiaowu/shared/client';
import type { Matter, OneTimeNotice } from '@xiaowu/shared/catalog';

/** A matter as listed (home rows, department lists, search results). */
export interface MatterSummary {
  id: string;
  name: string;
  departmentId: string;
  summary: string;
  skill: string;
  /** Working days promised; 0 = 当场办结. */
  promisedDays: number;
  onSite: boolean;
}

export interface CatalogDepartment {
  id: string;
  name: string;
  order: number;
  matters: MatterSummary[];
}

/** A life-event theme (主题服务: 养老, 就业, 生育, …) with its matters. */
export interface CatalogTheme {
  id: string;
  name: string;
  matters: MatterSummary[];
}

export interface CatalogOverview {
  version: number;
  departments: CatalogDepartment[];
  themes: CatalogTheme[];
  popular: MatterSummary[];
}

export interface MatterDetail {
  matter: Matter;
  notice: OneTimeNotice;
  /** The notice as a PDF (absolute URL): the QR code to take it home, and printing. */
  noticeUrl: string;
}

export function fetchCatalog(signal?: AbortSignal): Promise<CatalogOverview> {
  return apiRequest<CatalogOverview>('/api/catalog', { signal });
}

export function searchCatalog(query: string, signal?: AbortSignal): Promise<MatterSummary[]> {
  return apiRequest<MatterSummary[]>(`/api/catalog/search?q=${encodeURIComponent(query.slice(0, 50))}`, { signal });
}

export function fetchMatter(id: string, signal?: AbortSignal): Promise<MatterDetail> {
  return apiRequest<MatterDetail>(`/api/catalog/matters/${encodeURIComponent(id)}`, { signal });
}
