/**
 * A small builder for ONNX graphs, serialised with protobufjs from the part of onnx.proto that a model of
 * initializers, nodes and typed inputs and outputs needs (field numbers as in onnx/onnx.proto, IR version 8).
 */
import protobuf from 'protobufjs';

const SCHEMA = `
syntax = "proto3";
package onnx;
message AttributeProto {
  string name = 1; float f = 2; int64 i = 3; bytes s = 4; TensorProto t = 5;
  repeated float floats = 7; repeated int64 ints = 8; int32 type = 20;
}
message ValueInfoProto { string name = 1; TypeProto type = 2; }
message NodeProto {
  repeated string input = 1; repeated string output = 2; string name = 3; string op_type = 4;
  repeated AttributeProto attribute = 5; string domain = 7;
}
message StringStringEntryProto { string key = 1; string value = 2; }
message ModelProto {
  int64 ir_version = 1; string producer_name = 2; string producer_version = 3; GraphProto graph = 7;
  repeated OperatorSetIdProto opset_import = 8; repeated StringStringEntryProto metadata_props = 14;
}
message GraphProto {
  repeated NodeProto node = 1; string name = 2; repeated TensorProto initializer = 5;
  repeated ValueInfoProto input = 11; repeated ValueInfoProto output = 12;
}
message TensorProto { repeated int64 dims = 1; int32 data_type = 2; string name = 8; bytes raw_data = 9; }
message TensorShapeProto {
  message Dimension { oneof value { int64 dim_value = 1; string dim_param = 2; } }
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor { int32 elem_type = 1; TensorShapeProto shape = 2; }
  oneof value { Tensor tensor_type = 1; }
}
message OperatorSetIdProto { string domain = 1; int64 version = 2; }
`;

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7 } as const;
type DataTypeCode = (typeof DataType)[keyof typeof DataType];

/** AttributeProto.AttributeType values used here. */
const ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, floats: 6, ints: 7 } as const;

export type Attribute = number | string | number[] | { float: number } | { floats: number[] };

interface NodeRecord {
  input: string[];
  output: string[];
  name: string;
  op_type: string;
  domain?: string;
  attribute: Record<string, unknown>[];
}

function attribute(name: string, value: Attribute): Record<string, unknown> {
  if (typeof value === 'string') return { name, type: ATTRIBUTE_TYPE.string, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') return { name, type: ATTRIBUTE_TYPE.int, i: value };
  if (Array.isArray(value)) return { name, type: ATTRIBUTE_TYPE.ints, ints: value };
  if ('float' in value) return { name, type: ATTRIBUTE_TYPE.float, f: value.float };
  return { name, type: ATTRIBUTE_TYPE.floats, floats: value.floats };
}

type Values = Float32Array | Uint8Array | Int8Array | BigInt64Array;

function rawBytes(values: Values): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

export class GraphBuilder {
  private readonly nodes: NodeRecord[] = [];
  private readonly initializers: Record<string, unknown>[] = [];
  private readonly inputs: Record<string, unknown>[] = [];
  private readonly outputs: Record<string, unknown>[] = [];
  private counter = 0;

  /** A fresh value name with a readable stem. */
  name(stem: string): string {
    this.counter += 1;
    return `${stem}_${this.counter}`;
  }

  initializer(name: string, dims: number[], values: Values): string {
    const dataType: DataTypeCode =
      values instanceof Float32Array
        ? DataType.FLOAT
        : values instanceof Uint8Array
          ? DataType.UINT8
          : values instanceof Int8Array
            ? DataType.INT8
            : DataType.INT64;
    const count = dims.reduce((a, b) => a * b, 1);
    if (count !== values.length) throw new Error(`initializer ${name}: ${values.length} values for shape ${dims}`);
    this.initializers.push({ name, dims, data_type: dataType, raw_data: rawBytes(values) });
    return name;
  }

  /** A constant of int64 values (shapes, axes). */
  ints(values: number[], dims: number[] = [values.length]): string {
    return this.initializer(this.name('const'), dims, BigInt64Array.from(values.map(BigInt)));
  }

  /** A float32 scalar constant. */
  scalar(value: number): string {
    return this.initializer(this.name('scalar'), [], Float32Array.of(value));
  }

  input(name: string, dataType: DataTypeCode, dims: Array<number | string>): string {
    this.inputs.push(this.valueInfo(name, dataType, dims));
    return name;
  }

  output(name: string, dataType: DataTypeCode, dims: Array<number | string>): void {
    this.outputs.push(this.valueInfo(name, dataType, dims));
  }

  private valueInfo(name: string, elemType: DataTypeCode, dims: Array<number | string>) {
    const dim = dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d }));
    return { name, type: { tensor_type: { elem_type: elemType, shape: { dim } } } };
  }

  /** Add a node; returns its first output (named `out` when given). */
  op(
    opType: string,
    inputs: string[],
    attributes: Record<string, Attribute> = {},
    options: { out?: string; domain?: string } = {},
  ): string {
    return this.opOutputs(opType, inputs, 1, attributes, options)[0];
  }

  /** Add a node with several outputs. */
  opOutputs(
    opType: string,
    inputs: string[],
    outputs: number,
    attributes: Record<string, Attribute> = {},
    options: { out?: string; domain?: string } = {},
  ): string[] {
    const first = options.out ?? this.name(opType.toLowerCase());
    const out = [first, ...Array.from({ length: outputs - 1 }, () => this.name(opType.toLowerCase()))];
    this.nodes.push({
      input: inputs,
      output: out,
      name: `${opType}_${this.nodes.length}`,
      op_type: opType,
      domain: options.domain,
      attribute: Object.entries(attributes).map(([k, v]) => attribute(k, v)),
    });
    return out;
  }

  /** The serialised model. */
  encode(options: { opsets: Record<string, number>; producer: string; metadata?: Record<string, string> }): Uint8Array {
    const root = protobuf.parse(SCHEMA, { keepCase: true }).root;
    const ModelProto = root.lookupType('onnx.ModelProto');
    const model = {
      ir_version: 8,
      producer_name: options.producer,
      producer_version: '1',
      opset_import: Object.entries(options.opsets).map(([domain, version]) => ({ domain, version })),
      metadata_props: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
      graph: {
        name: 'main',
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    };
    const message = ModelProto.fromObject(model);
    return ModelProto.encode(message).finish();
  }
}
