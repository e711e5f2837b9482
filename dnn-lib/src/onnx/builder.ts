/** A small builder for ONNX float graphs: the project's model generators write their models with it. */
import { DataType } from "./proto.ts";
import {
  makeTensor,
  type OnnxAttr,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
  type TensorData,
} from "./model.ts";

export type AttrInput = number | number[] | string | { floats: number[] } | { float: number };

function toAttr(v: AttrInput): OnnxAttr {
  if (typeof v === "string") return { type: "string", value: v };
  if (typeof v === "number") return { type: "int", value: v };
  if (Array.isArray(v)) return { type: "ints", value: v };
  if ("floats" in v) return { type: "floats", value: v.floats };
  return { type: "float", value: v.float };
}

export class GraphBuilder {
  private nodes: OnnxNode[] = [];
  private inits: OnnxTensor[] = [];
  private ins: OnnxValueInfo[] = [];
  private outs: OnnxValueInfo[] = [];
  private counter = 0;

  constructor(readonly name: string) {}

  input(name: string, shape: number[], elemType: number = DataType.FLOAT): string {
    this.ins.push({ name, elemType, shape });
    return name;
  }

  init(name: string, dims: number[], data: TensorData): string {
    this.inits.push(makeTensor(name, dims, data));
    return name;
  }

  /** Adds a node with one output, named `${opType}_${n}` unless given; returns the output name. */
  node(opType: string, inputs: string[], attrs: Record<string, AttrInput> = {}, out?: string): string {
    const o = out ?? `${opType.toLowerCase()}_${this.counter}`;
    this.nodes.push({
      name: `${opType}_${this.counter++}`,
      opType,
      domain: "",
      inputs,
      outputs: [o],
      attributes: Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, toAttr(v)])),
    });
    return o;
  }

  output(name: string, shape: number[], elemType: number = DataType.FLOAT): void {
    this.outs.push({ name, elemType, shape });
  }

  build(opset: number, docString = ""): OnnxModel {
    return {
      irVersion: 9,
      opsetImports: [{ domain: "", version: opset }],
      producerName: "opml-dnn-lib",
      producerVersion: "1",
      docString,
      graph: { name: this.name, nodes: this.nodes, initializers: this.inits, inputs: this.ins, outputs: this.outs },
    };
  }
}
