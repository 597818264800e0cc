import { promisifiedSqliteStore } from "../../helpers/promisified-sqlite-store.js";
import { storeContract } from "../../helpers/store-contract.js";

storeContract("SQLite", async () => promisifiedSqliteStore(), { notifiesQueued: false });
