package smfake

import (
	"slices"
	"time"
)

// The store: secrets, their versions and the stages that point at them.

// secret is a stored secret and its versions, oldest first.
type secret struct {
	name     string
	arn      string
	versions []*version
}

// version is one value of a secret with the stages pointing at it.
type version struct {
	id      string
	str     *string
	bin     []byte
	stages  []string
	created time.Time
}

// Put stores value as a new version of the secret id with the AWSCURRENT
// stage, creating the secret if needed. The version that was current becomes
// AWSPREVIOUS. It returns the new version's id.
func (s *Server) Put(id, value string) (versionID string) {
	return s.put(id, &value, nil, StageCurrent)
}

// PutBinary is Put for a SecretBinary value.
func (s *Server) PutBinary(id string, value []byte) (versionID string) {
	return s.put(id, nil, slices.Clone(value), StageCurrent)
}

// PutPending stores value as a new version with the AWSPENDING stage, as a
// rotation's createSecret step does. It returns the new version's id.
func (s *Server) PutPending(id, value string) (versionID string) {
	return s.put(id, &value, nil, StagePending)
}

// PromotePending finishes a rotation: the AWSPENDING version becomes
// AWSCURRENT and loses AWSPENDING, and the old current version becomes
// AWSPREVIOUS. It reports whether there was a pending version.
func (s *Server) PromotePending(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.secrets[id]
	if sec == nil {
		return false
	}
	p := sec.withStage(StagePending)
	if p == nil {
		return false
	}
	p.removeStage(StagePending)
	sec.makeCurrent(p)
	return true
}

// Delete removes the secret id; later gets answer ResourceNotFoundException.
func (s *Server) Delete(id string) {
	s.mu.Lock()
	delete(s.secrets, id)
	s.mu.Unlock()
}

func (s *Server) put(id string, str *string, bin []byte, stage string) string {
	v := &version{id: newUUID(), str: str, bin: bin}
	s.mu.Lock()
	defer s.mu.Unlock()
	v.created = s.now()
	sec := s.secrets[id]
	if sec == nil {
		sec = &secret{name: id, arn: s.ARN(id)}
		s.secrets[id] = sec
	}
	sec.versions = append(sec.versions, v)
	if stage == StageCurrent {
		sec.makeCurrent(v)
	} else {
		if old := sec.withStage(stage); old != nil {
			old.removeStage(stage)
		}
		v.stages = append(v.stages, stage)
	}
	return v.id
}

func (sec *secret) withStage(stage string) *version {
	for _, v := range sec.versions {
		if slices.Contains(v.stages, stage) {
			return v
		}
	}
	return nil
}

func (sec *secret) makeCurrent(v *version) {
	if old := sec.withStage(StageCurrent); old != nil && old != v {
		if prev := sec.withStage(StagePrevious); prev != nil {
			prev.removeStage(StagePrevious)
		}
		old.removeStage(StageCurrent)
		old.stages = append(old.stages, StagePrevious)
	}
	v.removeStage(StagePrevious)
	v.stages = append(v.stages, StageCurrent)
}

func (v *version) removeStage(stage string) {
	v.stages = slices.DeleteFunc(v.stages, func(s string) bool { return s == stage })
}

func (s *Server) lookup(id string) *secret {
	if sec := s.secrets[id]; sec != nil {
		return sec
	}
	for _, sec := range s.secrets {
		if sec.arn == id {
			return sec
		}
	}
	return nil
}

func (sec *secret) find(id, stage string) *version {
	if id == "" && stage == "" {
		stage = StageCurrent
	}
	for _, v := range sec.versions {
		if id != "" && v.id != id {
			continue
		}
		if stage != "" && !slices.Contains(v.stages, stage) {
			continue
		}
		return v
	}
	return nil
}
