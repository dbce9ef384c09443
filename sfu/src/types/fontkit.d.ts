// fontkit 2.x ships no type declarations; we use only `create`.
declare module 'fontkit' {
  export function create(buffer: Buffer, postscriptName?: string): unknown;
}
