package main

import (
	"cmp"
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// awsFromEnv is the AWS SDK configuration for Secrets Manager, read from
// the variables Lambda sets: AWS_REGION and the execution role's
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, which
// stay valid for the execution environment's lifetime.
// AWS_ENDPOINT_URL_SECRETS_MANAGER, or else AWS_ENDPOINT_URL, replaces the
// endpoint.
//
// The SDK's own loader (config.LoadDefaultConfig) would find the same
// values inside Lambda, but it links the SSO, SSO OIDC, STS, sign-in and
// instance metadata clients and their package initialisation into every
// cold start, about a quarter of the binary, to support profiles and
// shared files that Lambda never has. Outside Lambda, export a profile's
// credentials first:
//
//	eval "$(aws configure export-credentials --format env)"
func awsFromEnv(getenv func(string) string) (aws.Config, error) {
	region := cmp.Or(getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION"))
	if region == "" {
		return aws.Config{}, configErr("Secrets Manager (DB_SECRET_ID, JWT_SECRET_ID) needs AWS_REGION (Lambda sets it)")
	}
	creds := aws.Credentials{
		AccessKeyID:     getenv("AWS_ACCESS_KEY_ID"),
		SecretAccessKey: getenv("AWS_SECRET_ACCESS_KEY"),
		SessionToken:    getenv("AWS_SESSION_TOKEN"),
		Source:          "environment",
	}
	if creds.AccessKeyID == "" || creds.SecretAccessKey == "" {
		return aws.Config{}, configErr("Secrets Manager (DB_SECRET_ID, JWT_SECRET_ID) needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY " +
			`(Lambda sets them; elsewhere run eval "$(aws configure export-credentials --format env)")`)
	}
	cfg := aws.Config{
		Region: region,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return creds, nil
		}),
	}
	if ep := cmp.Or(getenv("AWS_ENDPOINT_URL_SECRETS_MANAGER"), getenv("AWS_ENDPOINT_URL")); ep != "" {
		cfg.BaseEndpoint = aws.String(ep)
	}
	return cfg, nil
}
