// jsdom lacks what ngx-echarts, ECharts and the CDK virtual scroll touch: ResizeObserver, canvas 2D
// contexts (jsdom's getContext only logs "not implemented") and Element.scrollTo. Component specs
// swap ECharts itself for a fake.
class ResizeObserverStub implements ResizeObserver {
  observe(): void {
    /* no layout in jsdom */
  }
  unobserve(): void {
    /* no layout in jsdom */
  }
  disconnect(): void {
    /* no layout in jsdom */
  }
}
globalThis.ResizeObserver ??= ResizeObserverStub;
HTMLCanvasElement.prototype.getContext = (() => null) as typeof HTMLCanvasElement.prototype.getContext;
Element.prototype.scrollTo ??= function scrollTo(this: Element, options?: ScrollToOptions | number, y?: number): void {
  const to = typeof options === 'number' ? { left: options, top: y } : (options ?? {});
  if (to.top !== undefined) this.scrollTop = to.top;
  if (to.left !== undefined) this.scrollLeft = to.left;
} as Element['scrollTo'];
