// Command puente-ferretdb runs FerretDB 1.24.2 (SQLite backend) embedded, for Puente's
// default database when no MONGODB_URI is given. Building FerretDB from this wrapper
// module, not as its own main module, avoids the version.txt panic of a plain
// `go install` (FerretDB issue #2982). Telemetry is off in embedded mode.
//
// It prints one JSON line {"uri": "..."} on stdout once listening, and stops when it
// receives SIGTERM/SIGINT or when its stdin closes (so it never outlives the hub).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	dir := flag.String("sqlite-dir", "", "absolute path of an existing directory for the SQLite files")
	listen := flag.String("listen-addr", "127.0.0.1:0", "TCP address to listen on (loopback)")
	watchStdin := flag.Bool("exit-on-stdin-close", true, "stop when stdin reaches EOF")
	logLevel := flag.String("log-level", "warn", "debug, info, warn or error")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "--sqlite-dir is required")
		os.Exit(2)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	os.Setenv("DO_NOT_TRACK", "1")

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + *dir + "/",
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if *watchStdin {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}

	done := make(chan struct{})
	go func() {
		_ = f.Run(ctx)
		close(done)
	}()

	// MongoDBURI blocks until the listener is bound.
	uriCh := make(chan string, 1)
	go func() { uriCh <- f.MongoDBURI() }()
	select {
	case uri := <-uriCh:
		line, _ := json.Marshal(map[string]string{"uri": uri})
		fmt.Println(string(line))
	case <-time.After(30 * time.Second):
		fmt.Fprintln(os.Stderr, "FerretDB did not start listening within 30 s")
		os.Exit(1)
	case <-done:
		os.Exit(1)
	}
	<-done
}
