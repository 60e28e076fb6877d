declare module 'human-nobundle' {
  export class Human {
    constructor(config: Record<string, unknown>);
    version: string;
    load(): Promise<void>;
    detect(input: unknown): Promise<unknown>;
  }
}
