/**
 * The PostgreSQL advisory lock keys of foldnet, in one place so no two roles share one
 * ("foldnet" in ASCII ‖ a role byte). A session that holds a key blocks every other session
 * asking for it, so a collision deadlocks: the sealer's role lock and the sealing
 * transaction's lock once did.
 * @module
 */

/** Serialises schema migrations (transaction-level). */
export const MIGRATION_LOCK = 0x666f_6c64_6e65_7401n;
/** Serialises sealing transactions, whoever runs them (transaction-level). */
export const SEAL_LOCK = 0x666f_6c64_6e65_7402n;
/** The network's one sealer role (session-level, held while the coordinator lives). */
export const SEALER_ROLE_LOCK = 0x666f_6c64_6e65_7403n;
