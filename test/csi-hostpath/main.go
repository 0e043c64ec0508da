// Command hks-csi-hostpath is the local environment's CSI driver (test code): volumes are folders on
// the host, a snapshot is a tar of a volume's folder, and a volume created from a snapshot is that tar
// unpacked. It serves the CSI Identity, Controller and Node services on one socket and the kubelet's
// plugin-registration service (what node-driver-registrar does upstream) on a second one, and runs
// as a host process in the kubelet's mount namespace, so bind mounts need no propagation setup.
// The upstream csi-driver-host-path and node-driver-registrar are not served by the Go module proxy.
package main

import (
	"context"
	"flag"
	"log"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/container-storage-interface/spec/lib/go/csi"
	"google.golang.org/grpc"
	registerapi "k8s.io/kubelet/pkg/apis/pluginregistration/v1"
)

func main() {
	endpoint := flag.String("endpoint", "", "unix socket path for the CSI services")
	dataDir := flag.String("data-dir", "", "folder holding volumes/ and snapshots/")
	nodeID := flag.String("node-id", "", "the Kubernetes node name")
	name := flag.String("driver-name", "hostpath.csi.hks.dev", "CSI driver name")
	regDir := flag.String("registration-dir", "", "the kubelet's plugins_registry folder (empty: do not register)")
	flag.Parse()
	if *endpoint == "" || *dataDir == "" || *nodeID == "" {
		log.Fatal("--endpoint, --data-dir and --node-id are required")
	}
	d := &driver{name: *name, nodeID: *nodeID, dir: *dataDir}
	for _, sub := range []string{"volumes", "snapshots"} {
		if err := os.MkdirAll(filepath.Join(d.dir, sub), 0o700); err != nil {
			log.Fatal(err)
		}
	}
	servers := []*grpc.Server{}
	csiSrv := grpc.NewServer(grpc.UnaryInterceptor(logCalls))
	csi.RegisterIdentityServer(csiSrv, identity{d: d})
	csi.RegisterControllerServer(csiSrv, controller{d: d})
	csi.RegisterNodeServer(csiSrv, node{d: d})
	serve(csiSrv, *endpoint)
	servers = append(servers, csiSrv)
	if *regDir != "" {
		regSrv := grpc.NewServer()
		registerapi.RegisterRegistrationServer(regSrv, &registration{name: *name, endpoint: *endpoint})
		serve(regSrv, filepath.Join(*regDir, *name+"-reg.sock"))
		servers = append(servers, regSrv)
	}
	log.Printf("%s serving on %s (node %s, data %s)", *name, *endpoint, *nodeID, *dataDir)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	for _, s := range servers {
		s.Stop()
	}
}

func serve(s *grpc.Server, sock string) {
	if err := os.MkdirAll(filepath.Dir(sock), 0o750); err != nil {
		log.Fatal(err)
	}
	_ = os.Remove(sock)
	l, err := net.Listen("unix", sock)
	if err != nil {
		log.Fatalf("listen %s: %v", sock, err)
	}
	go func() {
		if err := s.Serve(l); err != nil {
			log.Printf("serve %s: %v", sock, err)
		}
	}()
}

// registration answers the kubelet's plugin watcher: the kubelet finds <name>-reg.sock in its
// plugins_registry folder, asks GetInfo, and then talks CSI to the returned endpoint.
type registration struct {
	registerapi.UnimplementedRegistrationServer
	name, endpoint string
}

func (r *registration) GetInfo(_ context.Context, _ *registerapi.InfoRequest) (*registerapi.PluginInfo, error) {
	return &registerapi.PluginInfo{Type: registerapi.CSIPlugin, Name: r.name, Endpoint: r.endpoint, SupportedVersions: []string{"1.0.0"}}, nil
}

func (r *registration) NotifyRegistrationStatus(_ context.Context, s *registerapi.RegistrationStatus) (*registerapi.RegistrationStatusResponse, error) {
	log.Printf("kubelet registration: registered=%v %s", s.PluginRegistered, s.Error)
	return &registerapi.RegistrationStatusResponse{}, nil
}

func logCalls(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	resp, err := h(ctx, req)
	if err != nil {
		log.Printf("%s: error: %v", info.FullMethod, err)
	} else if info.FullMethod != "/csi.v1.Identity/Probe" {
		log.Printf("%s: ok", info.FullMethod)
	}
	return resp, err
}
