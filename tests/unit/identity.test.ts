import { describe, expect, it } from 'vitest';
import { Identity, idNumberChecksumOk, maskIdNumber, maskName } from '@xiaowu/shared';
import { DEMO_IDENTITY, FixedIdCardReader, LocalServiceIdCardReader } from '../../booth-client/src/devices/id-card-reader';

describe('identity', () => {
  it('checks the ID number check digit', () => {
    expect(idNumberChecksumOk('11010519491231002X')).toBe(true);
    expect(idNumberChecksumOk('110105194912310021')).toBe(false);
    expect(idNumberChecksumOk('11010519491231002')).toBe(false);
  });

  it('masks ID numbers and names for display and logs', () => {
    expect(maskIdNumber('11010519491231002X')).toBe('110105********002X');
    expect(maskName('张建国')).toBe('张**');
  });

  it('the demo reader returns a valid identity; the real adapter only talks to this kiosk', async () => {
    expect(Identity.safeParse(await new FixedIdCardReader(DEMO_IDENTITY).read()).success).toBe(true);
    const fields = { name: 'n', idNumber: 'i', sex: 's', ethnicity: 'e', birthDate: 'b', address: 'a', issuer: 'u', validFrom: 'f', validTo: 't' };
    expect(() => new LocalServiceIdCardReader('http://10.0.0.5/readcard', fields)).toThrow();
    await expect(new LocalServiceIdCardReader('http://127.0.0.1:9/readcard', fields).read(500)).rejects.toMatchObject({ reason: 'reader-offline' });
  });
});
