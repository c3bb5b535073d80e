package smfake

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
)

const (
	targetPut      = "secretsmanager.PutSecretValue"
	targetDescribe = "secretsmanager.DescribeSecret"
	targetStage    = "secretsmanager.UpdateSecretVersionStage"
)

// serveRotation answers the operations a rotation function calls besides
// GetSecretValue. They are not counted in Calls or Requests, which stay
// about reads.
func (s *Server) serveRotation(w http.ResponseWriter, r *http.Request, target string) {
	var in struct {
		SecretId            *string
		ClientRequestToken  *string
		SecretString        *string
		VersionStages       []string
		VersionStage        *string
		MoveToVersionId     *string
		RemoveFromVersionId *string
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || json.Unmarshal(body, &in) != nil {
		writeError(w, "SerializationException", "body is not valid JSON")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.lookup(deref(in.SecretId))
	if sec == nil {
		writeError(w, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
		return
	}
	var out any
	switch target {
	case targetPut:
		out = s.putVersion(w, sec, deref(in.ClientRequestToken), in.SecretString, in.VersionStages)
	case targetDescribe:
		out = describe(sec)
	case targetStage:
		out = s.moveStage(w, sec, deref(in.VersionStage), deref(in.MoveToVersionId), deref(in.RemoveFromVersionId))
	default:
		writeError(w, "UnknownOperationException", "smfake does not implement "+target)
		return
	}
	if out == nil {
		return // an error was written
	}
	writeReply(w, http.StatusOK, out)
}

// putVersion stores a new version under the client request token, as
// PutSecretValue does; repeating the call with the same token and value is
// idempotent.
func (s *Server) putVersion(w http.ResponseWriter, sec *secret, token string, value *string, stages []string) any {
	if token == "" || value == nil {
		writeError(w, "InvalidParameterException", "ClientRequestToken and SecretString are required")
		return nil
	}
	if len(stages) == 0 {
		stages = []string{StageCurrent}
	}
	for _, v := range sec.versions {
		if v.id == token {
			if v.str == nil || *v.str != *value {
				writeError(w, "ResourceExistsException", "a version with this token exists with another value")
				return nil
			}
			return map[string]any{"ARN": sec.arn, "Name": sec.name, "VersionId": v.id, "VersionStages": v.stages}
		}
	}
	v := &version{id: token, str: value, created: s.now()}
	sec.versions = append(sec.versions, v)
	for _, st := range stages {
		if st == StageCurrent {
			sec.makeCurrent(v)
			continue
		}
		if old := sec.withStage(st); old != nil {
			old.removeStage(st)
		}
		v.stages = append(v.stages, st)
	}
	return map[string]any{"ARN": sec.arn, "Name": sec.name, "VersionId": v.id, "VersionStages": v.stages}
}

func describe(sec *secret) any {
	ids := map[string][]string{}
	for _, v := range sec.versions {
		if len(v.stages) > 0 {
			ids[v.id] = slices.Clone(v.stages)
		}
	}
	return map[string]any{"ARN": sec.arn, "Name": sec.name, "RotationEnabled": true, "VersionIdsToStages": ids}
}

// moveStage moves a stage to a version, as UpdateSecretVersionStage does;
// moving AWSCURRENT makes the old current version AWSPREVIOUS.
func (s *Server) moveStage(w http.ResponseWriter, sec *secret, stage, to, from string) any {
	var target *version
	for _, v := range sec.versions {
		if v.id == to {
			target = v
		}
	}
	holder := sec.withStage(stage)
	if to != "" && target == nil || holder != nil && holder.id != from && from != "" {
		writeError(w, "InvalidParameterException", "version ids do not match the stage")
		return nil
	}
	if holder != nil && from == "" && to != "" && holder != target {
		writeError(w, "InvalidParameterException", "RemoveFromVersionId is required while another version has the stage")
		return nil
	}
	switch {
	case stage == StageCurrent && target != nil:
		sec.makeCurrent(target)
	case target != nil:
		if holder != nil {
			holder.removeStage(stage)
		}
		target.stages = append(target.stages, stage)
	case holder != nil:
		holder.removeStage(stage)
	}
	return map[string]any{"ARN": sec.arn, "Name": sec.name}
}
