// Types for sandbox/google.mjs (plain ESM JavaScript) so TypeScript tests can import it.
import type { ApiModule, ApiResponse } from "./server.d.mts";

export const GOOGLE_OAUTH_NAME: "google-oauth";
export const GOOGLE_OAUTH_PREFIX: "/google-oauth";
export const GOOGLE_ADS_NAME: "google-ads";
export const GOOGLE_ADS_PREFIX: "/google-ads";
export const GOOGLE_DM_NAME: "google-dm";
export const GOOGLE_DM_PREFIX: "/google-dm";
export const MAX_CONVERSIONS_PER_REQUEST: number;
export const OLDEST_SERVED_ADS_VERSION: number;
export const MAX_EVENTS_PER_REQUEST: number;
export const MAX_USER_IDENTIFIERS_ADS: number;
export const MAX_USER_IDENTIFIERS_DM: number;
export const DEFAULT_TOKEN_TTL_SECONDS: number;

export interface AdsError {
  errorCode: Record<string, string>;
  message: string;
  trigger?: Record<string, string>;
  location?: { fieldPathElements: Array<{ fieldName: string; index?: number }> };
  details?: { quotaErrorDetails?: { rateScope?: string; rateName?: string; retryDelay?: string } };
}

export interface GoogleApis {
  oauth: ApiModule;
  ads: ApiModule;
  dataManager: ApiModule;
  modules: ApiModule[];
  /** Ads customer ids (10 digits) answered CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE. */
  notAllowlisted: Set<string>;
  /** Forgets issued tokens, recorded order ids and Data Manager requests. */
  reset(): void;
}

export function createGoogleApis(options?: { tokenTtlSeconds?: number }): GoogleApis;
export function googleRpcError(httpStatus: number, opts?: { message?: string; status?: string; details?: unknown[] }): ApiResponse;
export function googleAdsFailure(version: string, errors: AdsError[], requestId: string): Record<string, unknown>;
export function adsError(family: string, code: string, at?: { row?: number; field?: string; message?: string; trigger?: string }): AdsError;

/** A quota error whose `details.quotaErrorDetails.retryDelay` is `${seconds}s`. */
export function quotaError(seconds: number): AdsError;

export const googleApis: GoogleApis;
export const googleOAuthApi: ApiModule;
export const googleAdsApi: ApiModule;
export const googleDataManagerApi: ApiModule;
export const GOOGLE_API_MODULES: ApiModule[];
