# The slow (PIL) image processors of transformers 4.57.x, written with numpy and PIL from the code paths of
# transformers v4.57 (transformers itself is not installable here). Followed, per step:
#   image_utils.load_image                    -> pil_oracle.load_image (exif_transpose, convert("RGB"))
#   image_processing_utils.get_size_dict      -> size_dict
#   image_transforms.get_resize_output_image_size (default_to_square=False) -> shortest_edge
#   image_transforms.resize                   -> PIL Image.resize on the uint8 image, back to numpy
#   image_transforms.center_crop              -> center_crop (zero padding when the crop is larger)
#   image_transforms.rescale                  -> image.astype(float64) * scale, then astype(float32)
#   image_transforms.normalize                -> float32 (image - mean) / std, mean/std cast to the image dtype
#   models/convnext/image_processing_convnext.ConvNextImageProcessor.resize (crop_pct rule below 384)
#   models/detr/image_processing_detr.get_size_with_aspect_ratio, DetrImageProcessor.pad (pixel_mask)
#   models/yolos/image_processing_yolos.get_size_with_aspect_ratio (mod_size 16), YolosImageProcessor.pad (no mask)
#   models/dpt/image_processing_dpt.get_resize_output_image_size (keep_aspect_ratio, ensure_multiple_of)
#   models/mobilevit/image_processing_mobilevit.MobileViTImageProcessor (resize, rescale, center_crop, flip_channel_order)
# Each class's defaults for absent keys are those of its __init__.
import math

import numpy as np
from PIL import Image

HALF = [0.5, 0.5, 0.5]
IMAGENET_MEAN, IMAGENET_STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
CLIP_MEAN, CLIP_STD = [0.48145466, 0.4578275, 0.40821073], [0.26862954, 0.26130258, 0.27577711]

DEFAULTS = {
    "ViT": dict(size={"height": 224, "width": 224}, resample=2, do_center_crop=False, mean=HALF, std=HALF),
    "DeiT": dict(size={"height": 256, "width": 256}, resample=3, do_center_crop=True, crop=224, mean=HALF, std=HALF),
    "Beit": dict(size={"height": 256, "width": 256}, resample=3, do_center_crop=True, crop=224, mean=HALF, std=HALF),
    "Siglip": dict(size={"height": 224, "width": 224}, resample=3, do_center_crop=False, mean=HALF, std=HALF),
    "CLIP": dict(size={"shortest_edge": 224}, resample=3, do_center_crop=True, crop=224, mean=CLIP_MEAN, std=CLIP_STD),
    "ConvNext": dict(size={"shortest_edge": 384}, resample=2, do_center_crop=False, mean=IMAGENET_MEAN, std=IMAGENET_STD),
    "Detr": dict(size={"shortest_edge": 800, "longest_edge": 1333}, resample=2, do_center_crop=False, mean=IMAGENET_MEAN, std=IMAGENET_STD),
    "Yolos": dict(size={"shortest_edge": 800, "longest_edge": 1333}, resample=2, do_center_crop=False, mean=IMAGENET_MEAN, std=IMAGENET_STD),
    "Segformer": dict(size={"height": 512, "width": 512}, resample=2, do_center_crop=False, mean=IMAGENET_MEAN, std=IMAGENET_STD),
    "DPT": dict(size={"height": 384, "width": 384}, resample=3, do_center_crop=False, mean=HALF, std=HALF),
    "MobileViT": dict(size={"shortest_edge": 224}, resample=2, do_center_crop=True, crop=256, mean=HALF, std=HALF),
}
SQUARE_INT = {"ViT", "DeiT", "Beit", "Siglip", "Segformer", "DPT"}


def size_dict(size, default_to_square, max_size=None):
    if isinstance(size, int):
        if default_to_square:
            return {"height": size, "width": size}
        d = {"shortest_edge": size}
        if max_size is not None:
            d["longest_edge"] = max_size
        return d
    if isinstance(size, (list, tuple)):
        return {"height": size[0], "width": size[1]}
    return dict(size)


def shortest_edge(h, w, size):
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size, int(size * long / short)
    return (new_long, new_short) if w <= h else (new_short, new_long)


def detr_size(h, w, size, max_size, yolos):
    raw_size = None
    if max_size is not None:
        mn, mx = float(min((h, w))), float(max((h, w)))
        if mx / mn * size > max_size:
            raw_size = max_size * mn / mx
            size = int(round(raw_size))
    keep = (h <= w and h == size) or (w <= h and w == size)
    if keep and not yolos:
        oh, ow = h, w
    elif w < h:
        ow = size
        oh = int(raw_size * h / w) if raw_size is not None else int(size * h / w)
    elif keep:
        oh, ow = h, w
    else:
        oh = size
        ow = int(raw_size * w / h) if raw_size is not None else int(size * w / h)
    if yolos:
        ow, oh = ow - ow % 16, oh - oh % 16
    return oh, ow


def dpt_size(h, w, out_h, out_w, keep, multiple):
    def constrain(val, min_val=0):
        x = round(val / multiple) * multiple
        if x < min_val:
            x = math.ceil(val / multiple) * multiple
        return x

    sh, sw = out_h / h, out_w / w
    if keep:
        if abs(1 - sw) < abs(1 - sh):
            sh = sw
        else:
            sw = sh
    return constrain(sh * h), constrain(sw * w)


def resize(image, hw, resample):
    return np.array(Image.fromarray(image).resize((hw[1], hw[0]), resample=resample))


def center_crop(image, hw):  # HWC
    oh, ow = image.shape[:2]
    ch, cw = int(hw[0]), int(hw[1])
    top, left = (oh - ch) // 2, (ow - cw) // 2
    bottom, right = top + ch, left + cw
    if top >= 0 and bottom <= oh and left >= 0 and right <= ow:
        return image[top:bottom, left:right]
    nh, nw = max(ch, oh), max(cw, ow)
    new = np.zeros_like(image, shape=(nh, nw) + image.shape[2:])
    tp, lp = math.ceil((nh - oh) / 2), math.ceil((nw - ow) / 2)
    new[tp:tp + oh, lp:lp + ow] = image
    top, bottom, left, right = top + tp, bottom + tp, left + lp, right + lp
    return new[max(0, top):min(nh, bottom), max(0, left):min(nw, right)]


def rescale(image, scale):
    return (image.astype(np.float64) * scale).astype(np.float32)


def normalize(image, mean, std):
    if not np.issubdtype(image.dtype, np.floating):
        image = image.astype(np.float32)
    mean = np.array(mean, dtype=image.dtype)
    std = np.array(std, dtype=image.dtype)
    return (image - mean) / std


def process_one(image, kind, cfg):
    d = DEFAULTS[kind]
    size = size_dict(cfg["size"], kind in SQUARE_INT, cfg.get("max_size")) if cfg.get("size") is not None else d["size"]
    resample = cfg.get("resample", d["resample"])
    crop = cfg.get("crop_size", d.get("crop", 224))
    crop = size_dict(crop, True)
    h, w = image.shape[:2]
    do_resize = cfg.get("do_resize", True)
    do_crop = cfg.get("do_center_crop", d["do_center_crop"])
    if kind in ("CLIP", "Bit", "MobileViT"):
        if do_resize:
            hw = shortest_edge(h, w, size["shortest_edge"]) if "shortest_edge" in size else (size["height"], size["width"])
            image = resize(image, hw, resample)
        if do_crop:
            image = center_crop(image, (crop["height"], crop["width"]))
    elif kind == "ConvNext":
        if do_resize:
            se = size["shortest_edge"]
            if se < 384:
                image = resize(image, shortest_edge(h, w, int(se / cfg.get("crop_pct", 224 / 256))), resample)
                image = center_crop(image, (se, se))
            else:
                image = resize(image, (se, se), resample)
    elif kind in ("Detr", "Yolos"):
        if do_resize:
            if "shortest_edge" in size:
                hw = detr_size(h, w, size["shortest_edge"], size.get("longest_edge"), kind == "Yolos")
            else:
                hw = (size["height"], size["width"])
            image = resize(image, hw, resample)
    elif kind == "DPT":
        if do_resize:
            hw = dpt_size(h, w, size["height"], size["width"], cfg.get("keep_aspect_ratio", False), cfg.get("ensure_multiple_of", 1))
            image = resize(image, hw, resample)
    else:
        if do_resize:
            image = resize(image, (size["height"], size["width"]), resample)
        if do_crop and kind in ("DeiT", "Beit"):
            image = center_crop(image, (crop["height"], crop["width"]))
    resized = image.shape[:2]
    if cfg.get("do_rescale", True):
        image = rescale(image, cfg.get("rescale_factor", 1 / 255))
    if cfg.get("do_normalize", kind != "MobileViT"):
        image = normalize(image, cfg.get("image_mean", d["mean"]), cfg.get("image_std", d["std"]))
    if cfg.get("do_flip_channel_order", kind == "MobileViT"):
        image = image[..., ::-1]
    return np.ascontiguousarray(image.transpose(2, 0, 1)).astype(np.float32), resized


def preprocess(_, req):
    from pil_oracle import load_image

    cfg = req["config"]
    name = cfg.get("image_processor_type") or cfg.get("feature_extractor_type")
    kind = name.replace("ImageProcessor", "").replace("FeatureExtractor", "")
    kind = "CLIP" if kind == "Bit" else kind
    images = [np.array(load_image(p)) for p in req["paths"]]
    out = [process_one(im, kind, cfg) for im in images]
    arrays = [o[0] for o in out]
    sizes = [list(o[1]) for o in out]
    mask = None
    if kind in ("Detr", "Yolos") and cfg.get("do_pad", True):
        H = max(a.shape[1] for a in arrays)
        W = max(a.shape[2] for a in arrays)
        padded, masks = [], []
        for a in arrays:
            p = np.zeros((3, H, W), dtype=np.float32)
            p[:, :a.shape[1], :a.shape[2]] = a
            m = np.zeros((H, W), dtype=np.int64)
            m[:a.shape[1], :a.shape[2]] = 1
            padded.append(p)
            masks.append(m)
        arrays = padded
        if kind == "Detr":
            mask = np.stack(masks)
    values = np.stack(arrays)
    header = {"shape": list(values.shape), "sizes": sizes, "mask": mask is not None}
    return header, values.tobytes() + (mask.tobytes() if mask is not None else b"")
