"""Many readers at the same moment: one thread each, released together by a barrier."""

import threading


def at_once(count, call):
    """Run call() in count threads that start together; their results, in thread order."""
    gate = threading.Barrier(count)
    results = [None] * count

    def reader(index):
        gate.wait()
        results[index] = call()

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
