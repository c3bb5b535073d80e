package secretkeys_test

import (
	"context"
	"encoding/base64"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/lambdasec/lambdasec/internal/smfake"
)

func base64URL(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }

// smfakePendingID returns the version id staged AWSPENDING.
func smfakePendingID(t *testing.T, sm *smfake.Server) string {
	t.Helper()
	out, err := sm.Client().DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(secretID)})
	if err != nil {
		t.Fatal(err)
	}
	for id, stages := range out.VersionIdsToStages {
		if slices.Contains(stages, smfake.StagePending) {
			return id
		}
	}
	t.Fatal("no pending version")
	return ""
}
