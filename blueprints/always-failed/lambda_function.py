def always_failed_handler(event, context):
    raise Exception('I failed!')
