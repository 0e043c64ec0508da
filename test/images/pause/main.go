// The pod sandbox ("pause") image of the local test node: PID 1 of every pod sandbox. It holds the
// pod's namespaces open, reaps orphaned children (PID 1's duty), and exits on SIGTERM or SIGINT.
// Built static (CGO_ENABLED=0) so the image holds this one file.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGCHLD)
	for s := range sigs {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		// Reap every child that has exited; more than one may be behind one SIGCHLD.
		for {
			var ws syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
