/**
 * The `WebAssembly` global (the WebAssembly JS API, https://webassembly.github.io/spec/js-api/),
 * which Node provides but no standard typing does outside the browser: TypeScript declares it
 * only in lib.dom and lib.webworker (TypeScript-DOM-lib-generator#826), and @types/node, up to
 * 26, not at all. The tsconfig has no DOM lib, so it is declared here, as lib.dom declares it
 * less the streaming functions (they take a fetch Response); `unknown` replaces lib.dom's
 * `any` but for an externref value.
 */
/* eslint-disable @typescript-eslint/no-empty-object-type -- Module is opaque and the errors add nothing to Error, as in the spec */
declare namespace WebAssembly {
  type BufferSource = ArrayBufferView<ArrayBuffer> | ArrayBuffer;

  interface CompileError extends Error {}
  const CompileError: {
    prototype: CompileError;
    new (message?: string): CompileError;
    (message?: string): CompileError;
  };
  interface LinkError extends Error {}
  const LinkError: { prototype: LinkError; new (message?: string): LinkError; (message?: string): LinkError };
  interface RuntimeError extends Error {}
  const RuntimeError: {
    prototype: RuntimeError;
    new (message?: string): RuntimeError;
    (message?: string): RuntimeError;
  };

  interface ValueTypeMap {
    anyfunc: (...args: never[]) => unknown;
    externref: any; // as lib.dom: code reads `Global.value` without narrowing
    f32: number;
    f64: number;
    i32: number;
    i64: bigint;
    v128: never;
  }
  type ValueType = keyof ValueTypeMap;
  interface GlobalDescriptor<T extends ValueType = ValueType> {
    mutable?: boolean;
    value: T;
  }
  interface Global<T extends ValueType = ValueType> {
    value: ValueTypeMap[T];
    valueOf(): ValueTypeMap[T];
  }
  const Global: {
    prototype: Global;
    new <T extends ValueType = ValueType>(descriptor: GlobalDescriptor<T>, v?: ValueTypeMap[T]): Global<T>;
  };

  interface MemoryDescriptor {
    initial: number;
    maximum?: number;
    shared?: boolean;
  }
  interface Memory {
    readonly buffer: ArrayBuffer;
    grow(delta: number): number;
  }
  const Memory: { prototype: Memory; new (descriptor: MemoryDescriptor): Memory };

  type TableKind = "anyfunc" | "externref";
  interface TableDescriptor {
    element: TableKind;
    initial: number;
    maximum?: number;
  }
  interface Table {
    readonly length: number;
    get(index: number): unknown;
    grow(delta: number, value?: unknown): number;
    set(index: number, value?: unknown): void;
  }
  const Table: { prototype: Table; new (descriptor: TableDescriptor, value?: unknown): Table };

  type ImportExportKind = "function" | "global" | "memory" | "table";
  interface ModuleExportDescriptor {
    kind: ImportExportKind;
    name: string;
  }
  interface ModuleImportDescriptor {
    kind: ImportExportKind;
    module: string;
    name: string;
  }
  interface Module {}
  const Module: {
    prototype: Module;
    new (bytes: BufferSource): Module;
    customSections(moduleObject: Module, sectionName: string): ArrayBuffer[];
    exports(moduleObject: Module): ModuleExportDescriptor[];
    imports(moduleObject: Module): ModuleImportDescriptor[];
  };

  type ExportValue = ValueTypeMap["anyfunc"] | Global | Memory | Table;
  type Exports = Record<string, ExportValue>;
  type ImportValue = ExportValue | number;
  type ModuleImports = Record<string, ImportValue>;
  type Imports = Record<string, ModuleImports>;
  interface Instance {
    readonly exports: Exports;
  }
  const Instance: { prototype: Instance; new (module: Module, importObject?: Imports): Instance };

  interface WebAssemblyInstantiatedSource {
    instance: Instance;
    module: Module;
  }
  function compile(bytes: BufferSource): Promise<Module>;
  function instantiate(bytes: BufferSource, importObject?: Imports): Promise<WebAssemblyInstantiatedSource>;
  function instantiate(moduleObject: Module, importObject?: Imports): Promise<Instance>;
  function validate(bytes: BufferSource): boolean;
}
