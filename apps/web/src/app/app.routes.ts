import { Route } from '@angular/router';

export const appRoutes: Route[] = [
  {
    path: '',
    pathMatch: 'full',
    title: 'Fleet overview · TFT ops console',
    loadComponent: () => import('./pages/overview/overview').then((m) => m.Overview),
  },
  {
    path: 'servers/:name',
    title: 'Server · TFT ops console',
    loadComponent: () => import('./pages/server-detail/server-detail').then((m) => m.ServerDetail),
  },
  { path: '**', redirectTo: '' },
];
