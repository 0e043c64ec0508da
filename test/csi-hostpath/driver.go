package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

const version = "0.1.0"

// driver holds the state shared by the three CSI services: one folder per volume, one tar per snapshot.
type driver struct {
	name, nodeID, dir string
	mu                sync.Mutex // one controller operation at a time keeps creation idempotent
}

// IDs derive from the CO-chosen names, so a retried CreateVolume/CreateSnapshot finds its earlier result.
func idFor(prefix, name string) string {
	sum := sha256.Sum256([]byte(name))
	return prefix + hex.EncodeToString(sum[:10])
}

func validID(id, prefix string) bool {
	return strings.HasPrefix(id, prefix) && len(id) == len(prefix)+20 && !strings.ContainsAny(id, "/.")
}

type volumeMeta struct {
	Name     string `json:"name"`
	Capacity int64  `json:"capacity"`
}

type snapshotMeta struct {
	Name       string `json:"name"`
	SourceID   string `json:"sourceVolumeId"`
	Size       int64  `json:"size"`
	CreatedUTC int64  `json:"createdUnixNano"`
}

func (d *driver) volDir(id string) string  { return filepath.Join(d.dir, "volumes", id) }
func (d *driver) snapTar(id string) string { return filepath.Join(d.dir, "snapshots", id+".tar") }
func readJSON(file string, v any) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
func writeJSON(file string, v any) error {
	b, _ := json.Marshal(v)
	if err := os.WriteFile(file+".tmp", b, 0o600); err != nil {
		return err
	}
	return os.Rename(file+".tmp", file)
}

func run(name string, args ...string) error {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// ---- Identity ----

type identity struct {
	csi.UnimplementedIdentityServer
	d *driver
}

func (s identity) GetPluginInfo(context.Context, *csi.GetPluginInfoRequest) (*csi.GetPluginInfoResponse, error) {
	return &csi.GetPluginInfoResponse{Name: s.d.name, VendorVersion: version}, nil
}

func (s identity) GetPluginCapabilities(context.Context, *csi.GetPluginCapabilitiesRequest) (*csi.GetPluginCapabilitiesResponse, error) {
	return &csi.GetPluginCapabilitiesResponse{Capabilities: []*csi.PluginCapability{{
		Type: &csi.PluginCapability_Service_{Service: &csi.PluginCapability_Service{Type: csi.PluginCapability_Service_CONTROLLER_SERVICE}},
	}}}, nil
}

func (s identity) Probe(context.Context, *csi.ProbeRequest) (*csi.ProbeResponse, error) {
	return &csi.ProbeResponse{Ready: wrapperspb.Bool(true)}, nil
}

// ---- Controller ----

type controller struct {
	csi.UnimplementedControllerServer
	d *driver
}

func (s controller) ControllerGetCapabilities(context.Context, *csi.ControllerGetCapabilitiesRequest) (*csi.ControllerGetCapabilitiesResponse, error) {
	var caps []*csi.ControllerServiceCapability
	for _, c := range []csi.ControllerServiceCapability_RPC_Type{
		csi.ControllerServiceCapability_RPC_CREATE_DELETE_VOLUME,
		csi.ControllerServiceCapability_RPC_CREATE_DELETE_SNAPSHOT,
		csi.ControllerServiceCapability_RPC_LIST_SNAPSHOTS,
		csi.ControllerServiceCapability_RPC_CLONE_VOLUME,
	} {
		caps = append(caps, &csi.ControllerServiceCapability{Type: &csi.ControllerServiceCapability_Rpc{Rpc: &csi.ControllerServiceCapability_RPC{Type: c}}})
	}
	return &csi.ControllerGetCapabilitiesResponse{Capabilities: caps}, nil
}

func checkCaps(caps []*csi.VolumeCapability) error {
	if len(caps) == 0 {
		return status.Error(codes.InvalidArgument, "volume_capabilities missing")
	}
	for _, c := range caps {
		if c.GetMount() == nil {
			return status.Error(codes.InvalidArgument, "only filesystem (mount) volumes are supported, not block")
		}
	}
	return nil
}

func (s controller) CreateVolume(_ context.Context, req *csi.CreateVolumeRequest) (*csi.CreateVolumeResponse, error) {
	if req.GetName() == "" {
		return nil, status.Error(codes.InvalidArgument, "name missing")
	}
	if err := checkCaps(req.GetVolumeCapabilities()); err != nil {
		return nil, err
	}
	d := s.d
	d.mu.Lock()
	defer d.mu.Unlock()
	id := idFor("vol-", req.GetName())
	capacity := req.GetCapacityRange().GetRequiredBytes()
	if capacity == 0 {
		capacity = 1 << 30
	}
	vol := &csi.Volume{VolumeId: id, CapacityBytes: capacity, ContentSource: req.GetVolumeContentSource()}
	var existing volumeMeta
	if readJSON(d.volDir(id)+".json", &existing) == nil {
		if existing.Capacity < req.GetCapacityRange().GetRequiredBytes() {
			return nil, status.Errorf(codes.AlreadyExists, "volume %s exists with %d bytes", req.GetName(), existing.Capacity)
		}
		vol.CapacityBytes = existing.Capacity
		return &csi.CreateVolumeResponse{Volume: vol}, nil
	}
	tmp := d.volDir(id) + ".tmp"
	_ = os.RemoveAll(tmp)
	if err := os.Mkdir(tmp, 0o755); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	if src := req.GetVolumeContentSource(); src != nil {
		var err error
		switch {
		case src.GetSnapshot() != nil:
			snap := src.GetSnapshot().GetSnapshotId()
			if !validID(snap, "snap-") {
				return nil, status.Errorf(codes.NotFound, "snapshot %q not found", snap)
			}
			if _, err := os.Stat(d.snapTar(snap)); err != nil {
				return nil, status.Errorf(codes.NotFound, "snapshot %q not found", snap)
			}
			err = run("tar", "--numeric-owner", "-xpf", d.snapTar(snap), "-C", tmp)
		case src.GetVolume() != nil:
			from := src.GetVolume().GetVolumeId()
			if !validID(from, "vol-") {
				return nil, status.Errorf(codes.NotFound, "volume %q not found", from)
			}
			if _, err := os.Stat(d.volDir(from)); err != nil {
				return nil, status.Errorf(codes.NotFound, "volume %q not found", from)
			}
			err = run("cp", "-a", d.volDir(from)+"/.", tmp+"/")
		}
		if err != nil {
			_ = os.RemoveAll(tmp)
			return nil, status.Error(codes.Internal, err.Error())
		}
	}
	if err := os.Rename(tmp, d.volDir(id)); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	if err := writeJSON(d.volDir(id)+".json", volumeMeta{Name: req.GetName(), Capacity: capacity}); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &csi.CreateVolumeResponse{Volume: vol}, nil
}

func (s controller) DeleteVolume(_ context.Context, req *csi.DeleteVolumeRequest) (*csi.DeleteVolumeResponse, error) {
	id := req.GetVolumeId()
	if id == "" {
		return nil, status.Error(codes.InvalidArgument, "volume_id missing")
	}
	if !validID(id, "vol-") {
		return &csi.DeleteVolumeResponse{}, nil // never ours: already gone
	}
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	if err := os.RemoveAll(s.d.volDir(id)); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	_ = os.Remove(s.d.volDir(id) + ".json")
	return &csi.DeleteVolumeResponse{}, nil
}

func (s controller) ValidateVolumeCapabilities(_ context.Context, req *csi.ValidateVolumeCapabilitiesRequest) (*csi.ValidateVolumeCapabilitiesResponse, error) {
	if _, err := os.Stat(s.d.volDir(req.GetVolumeId())); err != nil || !validID(req.GetVolumeId(), "vol-") {
		return nil, status.Errorf(codes.NotFound, "volume %q not found", req.GetVolumeId())
	}
	if err := checkCaps(req.GetVolumeCapabilities()); err != nil {
		return &csi.ValidateVolumeCapabilitiesResponse{Message: err.Error()}, nil
	}
	return &csi.ValidateVolumeCapabilitiesResponse{Confirmed: &csi.ValidateVolumeCapabilitiesResponse_Confirmed{VolumeCapabilities: req.GetVolumeCapabilities()}}, nil
}

func (d *driver) snapshot(id string) (*csi.Snapshot, error) {
	var m snapshotMeta
	if err := readJSON(d.snapTar(id)+".json", &m); err != nil {
		return nil, err
	}
	return &csi.Snapshot{SnapshotId: id, SourceVolumeId: m.SourceID, SizeBytes: m.Size, ReadyToUse: true,
		CreationTime: timestamppb.New(time.Unix(0, m.CreatedUTC))}, nil
}

func (s controller) CreateSnapshot(_ context.Context, req *csi.CreateSnapshotRequest) (*csi.CreateSnapshotResponse, error) {
	if req.GetName() == "" || req.GetSourceVolumeId() == "" {
		return nil, status.Error(codes.InvalidArgument, "name and source_volume_id are required")
	}
	d := s.d
	d.mu.Lock()
	defer d.mu.Unlock()
	id := idFor("snap-", req.GetName())
	if snap, err := d.snapshot(id); err == nil {
		if snap.SourceVolumeId != req.GetSourceVolumeId() {
			return nil, status.Errorf(codes.AlreadyExists, "snapshot %s exists for volume %s", req.GetName(), snap.SourceVolumeId)
		}
		return &csi.CreateSnapshotResponse{Snapshot: snap}, nil
	}
	src := req.GetSourceVolumeId()
	var vm volumeMeta
	if !validID(src, "vol-") || readJSON(d.volDir(src)+".json", &vm) != nil {
		return nil, status.Errorf(codes.NotFound, "source volume %q not found", src)
	}
	if err := injectedSnapshotFailure(d.volDir(src)); err != nil {
		return nil, err
	}
	tmp := d.snapTar(id) + ".tmp"
	if err := run("tar", "--numeric-owner", "-cf", tmp, "-C", d.volDir(src), "."); err != nil {
		_ = os.Remove(tmp)
		return nil, status.Error(codes.Internal, err.Error())
	}
	if err := os.Rename(tmp, d.snapTar(id)); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	// The restore size is the source volume's capacity: a volume restored from it must be at least that big.
	m := snapshotMeta{Name: req.GetName(), SourceID: src, Size: vm.Capacity, CreatedUTC: time.Now().UnixNano()}
	if err := writeJSON(d.snapTar(id)+".json", m); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	snap, err := d.snapshot(id)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &csi.CreateSnapshotResponse{Snapshot: snap}, nil
}

// failSnapshotsFile, holding a number N in a volume's root, makes the next N snapshots of that
// volume fail with Unavailable (the file counts down): a driver reporting a passing condition (a
// busy volume, a conflict), which the snapshot controller shows in VolumeSnapshot status.error and
// retries. Tests use it to check that a backup waits for the retry instead of failing on sight.
const failSnapshotsFile = ".hks-test-fail-snapshots"

func injectedSnapshotFailure(volDir string) error {
	path := filepath.Join(volDir, failSnapshotsFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var n int
	if _, err := fmt.Sscanf(strings.TrimSpace(string(b)), "%d", &n); err != nil || n <= 0 {
		return nil
	}
	if err := os.WriteFile(path, []byte(fmt.Sprintf("%d\n", n-1)), 0o644); err != nil {
		return status.Error(codes.Internal, err.Error())
	}
	return status.Errorf(codes.Unavailable, "injected transient failure (%s held %d)", failSnapshotsFile, n)
}

func (s controller) DeleteSnapshot(_ context.Context, req *csi.DeleteSnapshotRequest) (*csi.DeleteSnapshotResponse, error) {
	id := req.GetSnapshotId()
	if id == "" {
		return nil, status.Error(codes.InvalidArgument, "snapshot_id missing")
	}
	if !validID(id, "snap-") {
		return &csi.DeleteSnapshotResponse{}, nil
	}
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	for _, f := range []string{s.d.snapTar(id), s.d.snapTar(id) + ".json"} {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, status.Error(codes.Internal, err.Error())
		}
	}
	return &csi.DeleteSnapshotResponse{}, nil
}

func (s controller) ListSnapshots(_ context.Context, req *csi.ListSnapshotsRequest) (*csi.ListSnapshotsResponse, error) {
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	files, _ := filepath.Glob(filepath.Join(s.d.dir, "snapshots", "snap-*.tar.json"))
	resp := &csi.ListSnapshotsResponse{}
	for _, f := range files {
		id := strings.TrimSuffix(filepath.Base(f), ".tar.json")
		if req.GetSnapshotId() != "" && req.GetSnapshotId() != id {
			continue
		}
		snap, err := s.d.snapshot(id)
		if err != nil || (req.GetSourceVolumeId() != "" && snap.SourceVolumeId != req.GetSourceVolumeId()) {
			continue
		}
		resp.Entries = append(resp.Entries, &csi.ListSnapshotsResponse_Entry{Snapshot: snap})
	}
	return resp, nil
}

// ---- Node ----

type node struct {
	csi.UnimplementedNodeServer
	d *driver
}

func (s node) NodeGetCapabilities(context.Context, *csi.NodeGetCapabilitiesRequest) (*csi.NodeGetCapabilitiesResponse, error) {
	return &csi.NodeGetCapabilitiesResponse{}, nil // no STAGE_UNSTAGE: publish bind-mounts directly
}

func (s node) NodeGetInfo(context.Context, *csi.NodeGetInfoRequest) (*csi.NodeGetInfoResponse, error) {
	return &csi.NodeGetInfoResponse{NodeId: s.d.nodeID}, nil
}

func (s node) NodePublishVolume(_ context.Context, req *csi.NodePublishVolumeRequest) (*csi.NodePublishVolumeResponse, error) {
	id, target := req.GetVolumeId(), req.GetTargetPath()
	if id == "" || target == "" || req.GetVolumeCapability() == nil {
		return nil, status.Error(codes.InvalidArgument, "volume_id, target_path and volume_capability are required")
	}
	if err := checkCaps([]*csi.VolumeCapability{req.GetVolumeCapability()}); err != nil {
		return nil, err
	}
	if _, err := os.Stat(s.d.volDir(id)); err != nil || !validID(id, "vol-") {
		return nil, status.Errorf(codes.NotFound, "volume %q not found", id)
	}
	if mounted(target) {
		return &csi.NodePublishVolumeResponse{}, nil
	}
	if err := os.MkdirAll(target, 0o750); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	if err := bindMount(s.d.volDir(id), target, req.GetReadonly()); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &csi.NodePublishVolumeResponse{}, nil
}

func (s node) NodeUnpublishVolume(_ context.Context, req *csi.NodeUnpublishVolumeRequest) (*csi.NodeUnpublishVolumeResponse, error) {
	target := req.GetTargetPath()
	if req.GetVolumeId() == "" || target == "" {
		return nil, status.Error(codes.InvalidArgument, "volume_id and target_path are required")
	}
	if mounted(target) {
		if err := unmount(target); err != nil {
			return nil, status.Error(codes.Internal, err.Error())
		}
	}
	if err := os.Remove(target); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &csi.NodeUnpublishVolumeResponse{}, nil
}
