package main

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestAWSFromEnv(t *testing.T) {
	full := map[string]string{
		"AWS_REGION":            "eu-west-1",
		"AWS_ACCESS_KEY_ID":     "AKIDEXAMPLE",
		"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI-secret",
		"AWS_SESSION_TOKEN":     "session-token",
	}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range full {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name             string
		env              map[string]string
		wantErr          bool
		region, endpoint string
	}{
		{name: "lambda", env: full, region: "eu-west-1"},
		{name: "default region", env: with("AWS_REGION", "", "AWS_DEFAULT_REGION", "us-east-2"), region: "us-east-2"},
		{name: "service endpoint wins", env: with("AWS_ENDPOINT_URL", "http://a", "AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://b"),
			region: "eu-west-1", endpoint: "http://b"},
		{name: "global endpoint", env: with("AWS_ENDPOINT_URL", "http://a"), region: "eu-west-1", endpoint: "http://a"},
		{name: "no region", env: with("AWS_REGION", ""), wantErr: true},
		{name: "no key id", env: with("AWS_ACCESS_KEY_ID", ""), wantErr: true},
		{name: "no secret key", env: with("AWS_SECRET_ACCESS_KEY", ""), wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := awsFromEnv(mapEnv(tc.env))
			if tc.wantErr {
				if !errors.Is(err, errConfig) {
					t.Fatalf("got %v, want a configuration error", err)
				}
				if strings.Contains(err.Error(), full["AWS_SECRET_ACCESS_KEY"]) {
					t.Fatalf("error %q holds the secret key", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Region != tc.region {
				t.Errorf("region %q, want %q", cfg.Region, tc.region)
			}
			var ep string
			if cfg.BaseEndpoint != nil {
				ep = *cfg.BaseEndpoint
			}
			if ep != tc.endpoint {
				t.Errorf("endpoint %q, want %q", ep, tc.endpoint)
			}
			c, err := cfg.Credentials.Retrieve(context.Background())
			if err != nil || c.AccessKeyID != "AKIDEXAMPLE" || c.SecretAccessKey != full["AWS_SECRET_ACCESS_KEY"] || c.SessionToken != "session-token" {
				t.Errorf("credentials %v, %v", c.AccessKeyID, err)
			}
		})
	}
}
