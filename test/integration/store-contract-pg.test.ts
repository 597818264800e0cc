import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { openPgStore } from "../../coordinator/store/pg/pg-store.js";
import { PgCluster } from "../../testkit/pg-cluster.js";
import { storeContract } from "../helpers/store-contract.js";

let cluster: PgCluster;
let admin: pg.Client;
let databases = 0;
beforeAll(async () => {
  cluster = await PgCluster.create();
  admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
});
afterAll(async () => {
  await admin?.end();
  await cluster?.destroy();
});

/** A store on a fresh database of the cluster. */
async function freshStore() {
  const name = `contract_${++databases}`;
  await admin.query(`CREATE DATABASE ${name}`);
  return openPgStore(cluster.url.replace(/\/[^/]+$/, `/${name}`), { maxConnections: 4 });
}

storeContract("PostgreSQL", freshStore, { notifiesQueued: true });
