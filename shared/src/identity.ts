/**
 * Resident identity as read from the second-generation ID card (居民身份证),
 * and the masking rule used everywhere it is shown or logged.
 */
import { z } from 'zod';

/** 18-character ID number with a valid ISO 7064 MOD 11-2 check digit. */
export const IdNumber = z
  .string()
  .regex(/^\d{17}[\dX]$/, 'ID number: 17 digits and a digit or X')
  .refine(idNumberChecksumOk, 'ID number check digit is wrong');

export const Identity = z.object({
  name: z.string().min(1).max(40),
  idNumber: IdNumber,
  sex: z.enum(['男', '女']),
  ethnicity: z.string().max(10),
  birthDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  address: z.string().max(120),
  issuer: z.string().max(60),
  validFrom: z.string().max(10),
  validTo: z.string().max(10),
});
export type Identity = z.infer<typeof Identity>;

export function idNumberChecksumOk(id: string): boolean {
  if (!/^\d{17}[\dX]$/.test(id)) return false;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = weights.reduce((acc, w, i) => acc + w * Number(id[i]), 0);
  return '10X98765432'[sum % 11] === id[17];
}

/** 110105********1234: region kept, birth date and sequence hidden, last 4 kept for look-ups. */
export function maskIdNumber(id: string): string {
  return id.length === 18 ? `${id.slice(0, 6)}********${id.slice(14)}` : '******';
}

/** 张*, 欧阳** : family name kept (two-character family names are rare; the first is kept). */
export function maskName(name: string): string {
  return name.length <= 1 ? name : name[0] + '*'.repeat(name.length - 1);
}
