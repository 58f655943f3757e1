import time

print('Loading function')


def lambda_handler(event, context):
    seconds = float(event.get('sleep_seconds', 10))
    print(f"Sleeping {seconds} s with {context.get_remaining_time_in_millis()} ms left")
    # Print progress so the log shows how far it got before Lambda stopped it.
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
        print(f"still working, {context.get_remaining_time_in_millis()} ms left")
    return {'slept': seconds}
