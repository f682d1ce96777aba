package channels

import (
	"context"
	"sync"
)

// RunAll runs an interface server and its workers in one process (Channels'
// runserver) until ctx is done. On shutdown the server stops first, so that
// the workers still answer the requests it is finishing; then the workers
// stop. It returns the server's error, if any.
func RunAll(ctx context.Context, srv *Server, workers ...*Worker) error {
	workCtx, stopWorkers := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(func() { w.Run(workCtx) })
	}
	err := srv.Run(ctx)
	stopWorkers()
	wg.Wait()
	return err
}
