package secrets

import (
	"context"
	"maps"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// StaticVersionID is the version id of every value a [Static] client
// serves.
const StaticVersionID = "static"

// Static returns a [Client] that serves fixed values, for local runs and
// tests: values maps a secret id to its SecretString. Each secret has one
// version, [StaticVersionID], labelled AWSCURRENT; other ids, stages and
// versions answer ResourceNotFoundException, as Secrets Manager would, so
// the cache returns [ErrNotFound]. The map is copied. The client is safe for
// concurrent use.
func Static(values map[string]string) Client {
	return staticClient(maps.Clone(values))
}

type staticClient map[string]string

func (s staticClient) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	if in == nil || in.SecretId == nil {
		return nil, &types.InvalidParameterException{Message: aws.String("SecretId is required")}
	}
	id := *in.SecretId
	v, ok := s[id]
	stage := aws.ToString(in.VersionStage)
	version := aws.ToString(in.VersionId)
	if !ok || (stage != "" && stage != StageCurrent) || (version != "" && version != StaticVersionID) {
		return nil, &types.ResourceNotFoundException{Message: aws.String("static source has no such secret, stage or version")}
	}
	return &secretsmanager.GetSecretValueOutput{
		Name:          aws.String(id),
		SecretString:  aws.String(v),
		VersionId:     aws.String(StaticVersionID),
		VersionStages: []string{StageCurrent},
	}, nil
}
