import { settledStore } from "../../../coordinator/store/settled-store.js";
import { SqliteStore } from "../../../coordinator/store/sqlite-store.js";
import { storeContract } from "../../helpers/store-contract.js";

storeContract("SQLite", async () => settledStore(new SqliteStore(":memory:")), {
  notifiesQueued: false,
});
