package secretkeys

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/lambdasec/lambdasec/secrets"
)

// RotationEvent is what Secrets Manager sends a rotation function.
type RotationEvent struct {
	SecretID           string `json:"SecretId"`
	ClientRequestToken string `json:"ClientRequestToken"`
	Step               string `json:"Step"`
}

// RotationClient is the part of *secretsmanager.Client that [Rotate]
// uses; the function's role needs these four actions on the secret.
type RotationClient interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
	PutSecretValue(ctx context.Context, in *secretsmanager.PutSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.PutSecretValueOutput, error)
	DescribeSecret(ctx context.Context, in *secretsmanager.DescribeSecretInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error)
	UpdateSecretVersionStage(ctx context.Context, in *secretsmanager.UpdateSecretVersionStageInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.UpdateSecretVersionStageOutput, error)
}

// ErrRotation is returned by [Rotate] for a step that cannot proceed;
// always wrapped, use errors.Is.
var ErrRotation = errors.New("secretkeys: rotation failed")

// Rotate runs one step of a Secrets Manager rotation of an HS256 key
// secret. Every step is idempotent, as Secrets Manager may call a step
// again after a failure:
//   - createSecret: unless the token's version exists, write a new random
//     32-byte key as that version, staged AWSPENDING;
//   - setSecret: nothing (no other system holds the key);
//   - testSecret: the pending version must parse as a key;
//   - finishSecret: move AWSCURRENT to the pending version (the old
//     current becomes AWSPREVIOUS and keeps verifying its tokens).
func Rotate(ctx context.Context, client RotationClient, e RotationEvent) error {
	if e.SecretID == "" || e.ClientRequestToken == "" {
		return fmt.Errorf("%w: SecretId and ClientRequestToken are required", ErrRotation)
	}
	switch e.Step {
	case "createSecret":
		return createSecret(ctx, client, e)
	case "setSecret":
		return nil
	case "testSecret":
		return testSecret(ctx, client, e)
	case "finishSecret":
		return finishSecret(ctx, client, e)
	}
	return fmt.Errorf("%w: unknown step %q", ErrRotation, e.Step)
}

func createSecret(ctx context.Context, client RotationClient, e RotationEvent) error {
	// The current version must exist: rotation replaces a key, it does not
	// create the secret.
	if _, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
		SecretId: aws.String(e.SecretID), VersionStage: aws.String(secrets.StageCurrent)}); err != nil {
		return fmt.Errorf("%w: createSecret: read the current version: %w", ErrRotation, err)
	}
	_, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
		SecretId: aws.String(e.SecretID), VersionId: aws.String(e.ClientRequestToken), VersionStage: aws.String(secrets.StagePending)})
	if err == nil {
		return nil // created by an earlier attempt
	}
	var nf *smtypes.ResourceNotFoundException
	if !errors.As(err, &nf) {
		return fmt.Errorf("%w: createSecret: %w", ErrRotation, err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	value, err := NewHS256Secret(key)
	if err != nil {
		return err
	}
	_, err = client.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
		SecretId: aws.String(e.SecretID), ClientRequestToken: aws.String(e.ClientRequestToken),
		SecretString: aws.String(value), VersionStages: []string{secrets.StagePending}})
	if err != nil {
		return fmt.Errorf("%w: createSecret: write the pending version: %w", ErrRotation, err)
	}
	return nil
}

func testSecret(ctx context.Context, client RotationClient, e RotationEvent) error {
	out, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
		SecretId: aws.String(e.SecretID), VersionId: aws.String(e.ClientRequestToken), VersionStage: aws.String(secrets.StagePending)})
	if err != nil {
		return fmt.Errorf("%w: testSecret: %w", ErrRotation, err)
	}
	var kj keyJSON
	if err := jsonUnmarshal(aws.ToString(out.SecretString), &kj); err != nil {
		return fmt.Errorf("%w: testSecret: pending version is not JSON", ErrRotation)
	}
	k, err := ParseKey(kj.Alg, kj.Secret, kj.PrivateKey)
	if err != nil {
		return fmt.Errorf("%w: testSecret: %w", ErrRotation, err)
	}
	k.ID = e.ClientRequestToken
	if _, err := newKeySet(k); err != nil {
		return fmt.Errorf("%w: testSecret: %w", ErrRotation, err)
	}
	return nil
}

func finishSecret(ctx context.Context, client RotationClient, e RotationEvent) error {
	meta, err := client.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(e.SecretID)})
	if err != nil {
		return fmt.Errorf("%w: finishSecret: %w", ErrRotation, err)
	}
	current := ""
	for id, stages := range meta.VersionIdsToStages {
		if slices.Contains(stages, secrets.StageCurrent) {
			current = id
		}
	}
	if current == e.ClientRequestToken {
		return nil // finished by an earlier attempt
	}
	_, err = client.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{
		SecretId: aws.String(e.SecretID), VersionStage: aws.String(secrets.StageCurrent),
		MoveToVersionId: aws.String(e.ClientRequestToken), RemoveFromVersionId: aws.String(current)})
	if err != nil {
		return fmt.Errorf("%w: finishSecret: %w", ErrRotation, err)
	}
	return nil
}
