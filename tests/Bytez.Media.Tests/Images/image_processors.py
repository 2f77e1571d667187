def preprocess(image, req):
    raise NotImplementedError("preprocess")
