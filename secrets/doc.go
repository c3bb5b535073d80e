// Package secrets caches AWS Secrets Manager secrets for the life of a
// Lambda execution environment, correctly under concurrency and failure.
//
// Create one [Cache] at init with [New], passing a *secretsmanager.Client,
// and call [Cache.Get] (or [GetJSON]) wherever a secret is needed:
//
//	cfg, err := config.LoadDefaultConfig(ctx)
//	...
//	cache, err := secrets.New(secrets.Config{Client: secretsmanager.NewFromConfig(cfg)})
//	...
//	creds, err := secrets.GetJSON[secrets.DBCredentials](ctx, cache, "prod/orders/db")
//
// # What the cache guarantees
//
//   - One API call per fetch, GetSecretValue only, so the function's role
//     needs secretsmanager:GetSecretValue (and kms:Decrypt for a
//     customer-managed key) and nothing else.
//   - Single flight: any number of concurrent callers missing the same
//     (secret, stage or version) share one GetSecretValue call. A caller
//     whose context ends stops waiting at once; the call goes on for the
//     others under its own deadline ([Config.FetchTimeout]).
//   - Values expire after [Config.TTL] (5 minutes), less a little random
//     jitter so that execution environments do not refresh in lockstep. A
//     hit costs no lock, allocation or clock read: the TTL ends on a
//     runtime timer, which may fire a moment late just after a thaw.
//   - When a refresh fails because Secrets Manager is throttling, failing
//     or unreachable, the previous value is served for up to
//     [Config.MaxStale] (15 minutes) past its TTL. A definitive answer (the
//     secret was deleted, access or its KMS key was revoked) is returned at
//     once and drops the cached value, even one still within its TTL when
//     [Cache.Refresh] got the answer: values never outlive a deliberate
//     cut-off.
//   - After a failed fetch the cache backs off exponentially
//     ([Config.MinBackoff] 1 s doubling to [Config.MaxBackoff] 1 min)
//     before it asks again, so a throttled or failing Secrets Manager is not
//     hammered. Meanwhile callers get the stale value or the same error from
//     memory.
//   - [Cache.Refresh] and [Cache.Invalidate] act at once, with no sleep.
//   - At most [Config.MaxEntries] (1024) values are held, least recently
//     used evicted first.
//
// # Security model
//
//   - Secrets Manager is the only source of values, reached through the
//     [Client] the caller passes; [New] never creates an AWS client or
//     loads credentials itself.
//   - Definitive answers fail closed: a deleted secret, revoked access or
//     a revoked KMS key is returned at once and drops the cached value.
//     Only an outage (throttling, 5xx, timeouts) is papered over with a
//     stale value, and only for [Config.MaxStale].
//   - No error, log record or printed form carries a secret value.
//     [Secret] and [DBCredentials] redact themselves in String, GoString,
//     every fmt verb, slog and JSON; decoding errors name offsets and
//     fields, not values.
//   - Fetch errors wrap a sentinel ([ErrNotFound], [ErrAccessDenied],
//     [ErrDecryption], [ErrThrottled], [ErrInvalidRequest],
//     [ErrUnavailable]) and the SDK's error, and name the secret id and
//     the stage or version. A timeout adds the usual cause for a Lambda
//     function in a VPC: it needs an interface VPC endpoint for Secrets
//     Manager or a NAT gateway.
//
// # What the caller still does
//
//   - Grant the function's role secretsmanager:GetSecretValue on the
//     secrets it reads (and kms:Decrypt for a customer-managed key), and
//     nothing broader.
//   - Create one Cache at init and share it; call [Cache.Refresh] when a
//     value is rejected (see Rotation below), not in a loop.
//   - Choose secret ids in code or configuration, never from request
//     input: each id costs an entry and a GetSecretValue call.
//   - Give [Cache.Prefetch] a deadline inside the init phase.
//
// # Rotation
//
// The cache cannot know that a value it holds has been rotated until its TTL
// ends. When the value is rejected (a database login fails with MySQL error
// 1045), call [Cache.Refresh] and retry once if [Secret.VersionID] changed.
// During a single-user rotation the database may already accept only the
// AWSPENDING password while AWSCURRENT still holds the old one;
// [Cache.RefreshStage] with [StagePending] fetches it.
//
// # Lambda init
//
// [Cache.Prefetch] fetches secrets concurrently during the init phase,
// which is limited to 10 seconds: give it a context with a deadline well
// inside that, so that a missing VPC endpoint fails with a clear error
// rather than an init timeout.
//
// # Local runs and tests
//
// [Static] is a [Client] serving fixed values. For the real SDK client
// without AWS, point it at any endpoint that speaks the Secrets Manager
// protocol with BaseEndpoint or AWS_ENDPOINT_URL_SECRETS_MANAGER.
package secrets
