/**
 * The engine client of provider/engine-log.ts over real gRPC: a stand-in for the Pulumi engine's
 * `Engine` service on loopback receives exactly what `pulumi up` would (URN, severity, ephemeral),
 * when this process looks like Pulumi's Node.js dynamic provider (script and engine address in argv).
 */
import * as grpc from "@grpc/grpc-js";
import * as rpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as pb from "@pulumi/pulumi/proto/engine_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { afterAll, beforeAll, expect, it } from "vitest";
import { resourceLog, setEngineSendForTests } from "../../../provider/engine-log";

const URN = "urn:pulumi:dev::shop::pulumi-nodejs:dynamic/hks:Restore::staging-clone";
const received: pb.LogRequest.AsObject[] = [];
const server = new grpc.Server();
const argv = [...process.argv];

beforeAll(async () => {
  server.addService(rpc.EngineService, {
    log: (call: grpc.ServerUnaryCall<pb.LogRequest, Empty>, cb: grpc.sendUnaryData<Empty>) => {
      received.push(call.request.toObject());
      cb(null, new Empty());
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  process.argv = [argv[0]!, "/p/node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js", `127.0.0.1:${port}`];
  setEngineSendForTests(undefined); // detect the engine again, from the argv above
});

afterAll(() => {
  process.argv = argv;
  setEngineSendForTests(undefined);
  server.forceShutdown();
});

it("sends kept lines and ephemeral progress under the resource's URN", async () => {
  const log = resourceLog(URN, () => {
    throw new Error("nothing may fall back to stdout while the engine answers");
  });
  log.status("read: 10/40");
  log.info("restore staging-clone of backup b1\n  Completed: 40 restored (40 created), 1 skipped, 0 failed");
  log.warn("1 PVC restored without data");
  await log.flush();
  expect(received).toEqual([
    { severity: pb.LogSeverity.INFO, message: "read: 10/40", urn: URN, streamid: 0, ephemeral: true },
    {
      severity: pb.LogSeverity.INFO,
      message: "restore staging-clone of backup b1\n  Completed: 40 restored (40 created), 1 skipped, 0 failed",
      urn: URN,
      streamid: 0,
      ephemeral: false,
    },
    {
      severity: pb.LogSeverity.WARNING,
      message: "1 PVC restored without data",
      urn: URN,
      streamid: 0,
      ephemeral: false,
    },
  ]);
});
