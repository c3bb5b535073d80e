//go:build lambda.norpc

package main

// A build for Lambda's provided runtimes (-tags lambda.norpc) leaves the
// in-process Redis out: loadConfig requires REDIS_ADDR inside Lambda
// anyway, as every execution environment would have a Redis of its own,
// and miniredis with its Lua interpreter is 2.3 MB of the bootstrap
// (22.6 MB instead of 24.9 MB stripped, linux/amd64).

// inProcessRedis stands for miniredis in a build without it.
type inProcessRedis struct{}

// startInProcessRedis refuses: this build has no in-process Redis.
func (a *app) startInProcessRedis() (string, error) {
	return "", configErr("REDIS_ADDR is required: a build for Lambda (-tags lambda.norpc) has no in-process Redis")
}
