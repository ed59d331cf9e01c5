import { applyDecorators, ValidationPipe } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsOptional, ValidateBy, type ValidationArguments } from 'class-validator';

/** A read's query DTO, validated and typed (numbers as numbers, comma lists as arrays), unknown parameters refused. */
export const QUERY_PIPE = new ValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true });

/** The most servers one page of a listing holds. */
export const MAX_PAGE = 10_000;

const commaList = (raw: unknown): unknown =>
  typeof raw === 'string'
    ? raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
    : raw;

const shown = (items: readonly string[]): string => items.map((u) => `"${u.slice(0, 64)}"`).join(', ');

/**
 * An optional query parameter sent as a comma list, typed as the array of its items, each one of
 * `allowed` (or any non-empty item without `allowed`). The refusal names the unknown items and the list
 * to choose from; `single` takes exactly one item.
 */
export function CommaList(allowed?: readonly string[], { single = false, what = 'values' } = {}): PropertyDecorator {
  const unknownOf = (items: readonly string[]) => (allowed ? items.filter((i) => !allowed.includes(i)) : []);
  const choices = allowed ? allowed.join(', ') : what;
  return applyDecorators(
    IsOptional(),
    Transform(({ value }) => commaList(value)),
    ValidateBy({
      name: 'commaList',
      validator: {
        validate: (value: unknown) =>
          Array.isArray(value) && value.length > 0 && (!single || value.length === 1) && unknownOf(value as string[]).length === 0,
        defaultMessage: ({ property, value }: ValidationArguments) => {
          const items = Array.isArray(value) ? (value as string[]) : [];
          const unknown = unknownOf(items);
          if (items.length && !unknown.length) return `${property}: one of ${choices}, not a list`;
          return `${property}: ${items.length ? `unknown ${shown(unknown)}` : 'empty'}; use a comma list of ${choices}`;
        },
      },
    }),
  );
}

/** `limit`: an optional page size, an integer in 1..MAX_PAGE. */
export function PageLimit(): PropertyDecorator {
  return applyDecorators(
    IsOptional(),
    Transform(({ value }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value)),
    ValidateBy({
      name: 'pageLimit',
      validator: {
        validate: (value: unknown) => Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_PAGE,
        defaultMessage: ({ property, value }: ValidationArguments) =>
          `${property}: must be an integer in 1..${MAX_PAGE} (got "${String(value).slice(0, 32)}")`,
      },
    }),
  );
}

const ISO_DATE_TIME = /^\d{4}-\d\d-\d\d(?:T\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d))?$/;

/** Epoch seconds of an ISO 8601 date-time with a zone (or a date, midnight UTC); the raw value when it is none. */
const epochSeconds = (raw: unknown): unknown => {
  if (typeof raw !== 'string' || !ISO_DATE_TIME.test(raw.trim())) return raw;
  const ms = Date.parse(raw.trim());
  return Number.isFinite(ms) ? ms / 1000 : raw;
};

/**
 * An optional point in time sent as an ISO 8601 date-time with a zone (`2026-01-05T06:00:00Z`) or a date
 * (midnight UTC), typed as epoch seconds. `after` names a parameter this one must come after.
 */
export function DateTimeParam({ after }: { after?: string } = {}): PropertyDecorator {
  return applyDecorators(
    IsOptional(),
    Transform(({ value }) => epochSeconds(value)),
    ValidateBy({
      name: 'dateTime',
      validator: {
        validate: (value: unknown, args?: ValidationArguments) => {
          if (typeof value !== 'number') return false;
          const earlier = after === undefined ? undefined : (args?.object as Record<string, unknown>)[after];
          return typeof earlier !== 'number' || value > earlier;
        },
        defaultMessage: ({ property, value }: ValidationArguments) =>
          typeof value === 'number'
            ? `${property}: must be after ${after}`
            : `${property}: must be an ISO 8601 date-time with a zone, such as 2026-01-05T06:00:00Z, or a date (got "${String(value).slice(0, 64)}")`,
      },
    }),
  );
}
